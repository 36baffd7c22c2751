using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ReferenceArchitectures.ModelServer;

/// <summary>The server's own instruments, exported on <c>/metrics</c> in Prometheus format.</summary>
public sealed class ServerMetrics
{
    public const string MeterName = "ReferenceArchitectures.ModelServer";

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _inferenceDuration;

    public ServerMetrics(IMeterFactory meterFactory, EmbeddingBatcher batcher)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(batcher);
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("modelserver.requests", "{request}", "API requests answered, by endpoint and status code.");
        _requestDuration = meter.CreateHistogram<double>("modelserver.request.duration", "s", "Time from the request's arrival to its answer.");
        _batchSize = meter.CreateHistogram<int>("modelserver.batch.size", "{text}", "Texts per model run.");
        _inferenceDuration = meter.CreateHistogram<double>("modelserver.inference.duration", "s", "Time of one model run.");
        meter.CreateObservableGauge("modelserver.queue.depth", () => batcher.QueueDepth, "{text}", "Texts waiting for the model.");
        batcher.BatchCompleted += (size, seconds) =>
        {
            _batchSize.Record(size);
            _inferenceDuration.Record(seconds);
        };
    }

    public void RequestAnswered(string endpoint, int statusCode, TimeSpan elapsed)
    {
        var tags = new TagList { { "endpoint", endpoint }, { "status_code", statusCode } };
        _requests.Add(1, tags);
        _requestDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("endpoint", endpoint));
    }
}
