using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ReferenceArchitectures.LambdaRuntime;

/// <summary>
/// The error document the Runtime API expects on /invocation/{id}/error and /init/error:
/// <c>{"errorMessage": ..., "errorType": ..., "stackTrace": [...]}</c>
/// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-invokeerror).
/// </summary>
internal sealed record LambdaErrorReport(string ErrorType, string ErrorMessage, IReadOnlyList<string> StackTrace)
{
    /// <summary>
    /// Logs and error documents are read by people in CloudWatch and never embedded in HTML, so quotes, angle
    /// brackets and '+' (common in .NET stack frames) stay as they are instead of becoming \u0027-style escapes.
    /// </summary>
    internal static readonly JsonWriterOptions ReadableJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static LambdaErrorReport FromException(Exception exception) =>
        FromException(exception, exception.GetType().Name);

    public static LambdaErrorReport FromException(Exception exception, string errorType)
    {
        // The stack trace string rather than StackFrame.GetMethod(): the latter needs reflection metadata
        // that Native AOT may have removed, the former degrades to fewer details.
        var frames = exception.StackTrace?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        return new LambdaErrorReport(errorType, exception.Message, frames);
    }

    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, LambdaErrorReport.ReadableJson))
        {
            json.WriteStartObject();
            json.WriteString("errorMessage", ErrorMessage);
            json.WriteString("errorType", ErrorType);
            json.WriteStartArray("stackTrace");
            foreach (var frame in StackTrace)
            {
                json.WriteStringValue(frame);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
