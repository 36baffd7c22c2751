using System.Buffers;
using System.Text;
using System.Text.Json;

namespace ReferenceArchitectures.Functions.InferenceApi;

/// <summary>
/// Counts streams that failed with a server-side fault: after their first token (the stream ends with an SSE
/// <c>error</c> event) or before it (the answer is a 5xx problem document). Either way the invocation returns
/// normally, so Lambda's Errors metric never sees it, and a Function URL has no 5xx metric of API Gateway's; this
/// metric is what the stack's alarm watches.
/// Written as one Embedded Metric Format line on stdout, which CloudWatch Logs turns into a metric
/// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
/// no SDK call, so the function's role needs no <c>cloudwatch:PutMetricData</c>.
/// </summary>
public sealed class StreamFailureMetric(TextWriter output, string functionName, TimeProvider time)
{
    /// <summary>The stack's alarm names the same namespace, metric and dimension: both take them from <see cref="ChatFunctionContract"/>.</summary>
    public const string Namespace = ChatFunctionContract.StreamFailureNamespace;
    public const string MetricName = ChatFunctionContract.StreamFailureMetricName;
    public const string Dimension = ChatFunctionContract.StreamFailureDimension;

    public void Record(string requestId, int status)
    {
        var buffer = new ArrayBufferWriter<byte>(384);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("_aws");
            json.WriteNumber("Timestamp", time.GetUtcNow().ToUnixTimeMilliseconds());
            json.WriteStartArray("CloudWatchMetrics");
            json.WriteStartObject();
            json.WriteString("Namespace", Namespace);
            json.WriteStartArray("Dimensions");
            json.WriteStartArray();
            json.WriteStringValue(Dimension);
            json.WriteEndArray();
            json.WriteEndArray();
            json.WriteStartArray("Metrics");
            json.WriteStartObject();
            json.WriteString("Name", MetricName);
            json.WriteString("Unit", "Count");
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteString(Dimension, functionName);
            json.WriteNumber(MetricName, 1);

            // Members that are neither metrics nor dimensions stay searchable in the log without becoming metrics.
            json.WriteString("requestId", requestId);
            json.WriteNumber("status", status);
            json.WriteEndObject();
        }

        // One WriteLine on a synchronized writer, so the line is never interleaved with the runtime's own log lines.
        output.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
        output.Flush();
    }
}
