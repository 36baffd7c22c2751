using System.Diagnostics;
using Microsoft.Extensions.AI;
using ReferenceArchitectures.Documents;
using ReferenceArchitectures.Testing.LocalBedrock;

namespace ReferenceArchitectures.Benchmarks.Pipeline;

/// <summary>
/// An assumed model latency: a fixed time per Converse call (which covers generating the answer) plus a time per
/// 1,000 input tokens. Input tokens are estimated from the whole request body, tool schemas included, because Bedrock
/// counts those too.
/// </summary>
public sealed record ModelLatency(double SecondsPerCall, double SecondsPer1kInputTokens)
{
    /// <summary>The local endpoint's own behaviour: the answer comes at once.</summary>
    public static ModelLatency Instant { get; } = new(0, 0);

    public bool IsInstant => SecondsPerCall == 0 && SecondsPer1kInputTokens == 0;

    public TimeSpan For(long inputTokens) => TimeSpan.FromSeconds(SecondsPerCall + (inputTokens / 1000d * SecondsPer1kInputTokens));
}

/// <summary>Model calls one run made, and the most that were in flight at once.</summary>
public sealed record ModelCallCount(int Calls, int MostInFlight, long EstimatedInputTokens);

/// <summary>
/// The model behind the local Bedrock endpoint during the benchmark: it answers the analysis tools as
/// <see cref="LocalAnalysisModel"/> does, after the <see cref="ModelLatency"/>, and counts the calls.
/// </summary>
public sealed class ModelledModel
{
    private int _calls;
    private int _inFlight;
    private int _mostInFlight;
    private long _inputTokens;

    public ModelledModel(ModelLatency latency)
    {
        ArgumentNullException.ThrowIfNull(latency);
        Latency = latency;
        Behaviour = Behaviour.Delay(Arrive, Behaviour.From(Answer));
    }

    public ModelLatency Latency { get; }

    public Behaviour Behaviour { get; }

    /// <summary>The counts since the last call, and a fresh start for the next run (runs do not overlap).</summary>
    public ModelCallCount TakeCount() =>
        new(Interlocked.Exchange(ref _calls, 0), Interlocked.Exchange(ref _mostInFlight, 0), Interlocked.Exchange(ref _inputTokens, 0));

    private TimeSpan Arrive(RecordedRequest request)
    {
        var tokens = TextEstimates.TokensFromCharacters(request.Body?.GetRawText().Length ?? 0);
        Interlocked.Increment(ref _calls);
        Interlocked.Add(ref _inputTokens, tokens);
        var inFlight = Interlocked.Increment(ref _inFlight);
        for (var most = Volatile.Read(ref _mostInFlight); inFlight > most; most = Volatile.Read(ref _mostInFlight))
        {
            if (Interlocked.CompareExchange(ref _mostInFlight, inFlight, most) == most)
            {
                break;
            }
        }

        return Latency.For(tokens);
    }

    private Reply Answer(RecordedRequest request)
    {
        Interlocked.Decrement(ref _inFlight);
        return LocalAnalysisModel.Answer(request);
    }
}

/// <summary>The embedding generator the batch worker is given, timing how long the model spends embedding.</summary>
public sealed class MeteredEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    private long _elapsedTicks;

    public TimeSpan TakeElapsed() => Stopwatch.GetElapsedTime(0, Interlocked.Exchange(ref _elapsedTicks, 0));

    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await base.GenerateAsync(values, options, cancellationToken);
        }
        finally
        {
            Interlocked.Add(ref _elapsedTicks, Stopwatch.GetTimestamp() - started);
        }
    }
}
