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

    /// <summary>
    /// The document in at most <paramref name="maxBytes"/> bytes: stack frames are dropped from the outermost end
    /// first, then the message is shortened. The full report belongs in the log; this is for size-limited channels.
    /// </summary>
    public byte[] ToJson(int maxBytes)
    {
        var json = ToJson();
        if (json.Length <= maxBytes)
        {
            return json;
        }

        var frames = StackTrace.Count;
        var report = this;
        while (json.Length > maxBytes && frames > 0)
        {
            // Remove about as many frames as the excess needs, at least one; frames are of similar length.
            var excess = json.Length - maxBytes;
            var perFrame = Math.Max(1, json.Length / Math.Max(1, frames + 1));
            frames = Math.Max(0, frames - Math.Max(1, excess / perFrame));
            report = this with { StackTrace = StackTrace.Take(frames).ToArray() };
            json = report.ToJson();
        }

        var message = ErrorMessage;
        while (json.Length > maxBytes && message.Length > 0)
        {
            // Escaping can make a character several bytes, so cut by the excess and measure again.
            var cut = Math.Clamp(json.Length - maxBytes + 1, 1, message.Length);
            message = message[..(message.Length - cut)];
            report = report with { ErrorMessage = message + "…" };
            json = report.ToJson();
            if (message.Length == 0 && json.Length > maxBytes)
            {
                report = report with { ErrorMessage = string.Empty, ErrorType = ErrorType[..Math.Min(ErrorType.Length, 64)] };
                json = report.ToJson();
                break;
            }
        }

        return json;
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
