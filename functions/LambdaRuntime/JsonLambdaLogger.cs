using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ReferenceArchitectures.LambdaRuntime;

/// <summary>
/// Writes one JSON object per line, the shape Lambda's advanced logging controls call the JSON log format
/// (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html), so CloudWatch can
/// filter on level and request id without parsing free text.
/// </summary>
internal sealed class JsonLambdaLogger : ILambdaLogger
{
    // Level names are those AWS_LAMBDA_LOG_LEVEL accepts: TRACE, DEBUG, INFO, WARN, ERROR, FATAL.
    private static readonly string[] LevelNames = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

    private readonly TextWriter _output;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _gate = new();

    // The request id flows with the invocation, so a handler's background work that logs keeps its request id.
    private readonly AsyncLocal<string?> _requestId = new();

    public JsonLambdaLogger(TextWriter output, TimeProvider timeProvider, LambdaLogLevel minimumLevel)
    {
        _output = output;
        _timeProvider = timeProvider;
        MinimumLevel = minimumLevel;
    }

    public LambdaLogLevel MinimumLevel { get; }

    public string? CurrentRequestId
    {
        get => _requestId.Value;
        set => _requestId.Value = value;
    }

    public static bool TryParseLevel(string? value, out LambdaLogLevel level)
    {
        var index = Array.FindIndex(LevelNames, name => string.Equals(name, value?.Trim(), StringComparison.OrdinalIgnoreCase));
        level = index < 0 ? LambdaLogLevel.Information : (LambdaLogLevel)index;
        return index >= 0;
    }

    public void Log(LambdaLogLevel level, string message, Exception? exception = null)
    {
        if (level < MinimumLevel || level > LambdaLogLevel.Critical)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, LambdaErrorReport.ReadableJson))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", _timeProvider.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WriteString("level", LevelNames[(int)level]);
            if (CurrentRequestId is { } requestId)
            {
                json.WriteString("requestId", requestId);
            }

            json.WriteString("message", message);
            if (exception is not null)
            {
                var report = LambdaErrorReport.FromException(exception);
                json.WriteString("errorType", report.ErrorType);
                json.WriteString("errorMessage", report.ErrorMessage);
                json.WriteStartArray("stackTrace");
                foreach (var frame in report.StackTrace)
                {
                    json.WriteStringValue(frame);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        var line = Encoding.UTF8.GetString(buffer.WrittenSpan);
        lock (_gate)
        {
            _output.WriteLine(line);
            _output.Flush();
        }
    }
}
