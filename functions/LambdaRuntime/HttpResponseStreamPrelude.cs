using System.Buffers;
using System.Text.Json;

namespace ReferenceArchitectures.LambdaRuntime;

/// <summary>
/// The status line and headers of a streamed Function URL response. Lambda reads them from the start of the
/// stream: a JSON prelude, then eight NUL bytes, then the body
/// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-response-streaming.html).
/// </summary>
public static class HttpResponseStreamPrelude
{
    public const string ContentType = "application/vnd.awslambda.http-integration-response";

    private const int DelimiterLength = 8;

    public static Task WriteAsync(
        LambdaResponseStream response,
        int statusCode,
        IReadOnlyDictionary<string, string> headers,
        IReadOnlyList<string>? cookies,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        if (response.HasStarted)
        {
            throw new InvalidOperationException("The HTTP prelude must be the first thing written to the response stream.");
        }

        response.ContentType = ContentType;
        return response.WriteAsync(Build(statusCode, headers, cookies), cancellationToken).AsTask();
    }

    internal static byte[] Build(int statusCode, IReadOnlyDictionary<string, string> headers, IReadOnlyList<string>? cookies)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("statusCode", statusCode);
            json.WriteStartObject("headers");
            foreach (var (name, value) in headers)
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
            if (cookies is not null)
            {
                json.WriteStartArray("cookies");
                foreach (var cookie in cookies)
                {
                    json.WriteStringValue(cookie);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        buffer.GetSpan(DelimiterLength)[..DelimiterLength].Clear();
        buffer.Advance(DelimiterLength);
        return buffer.WrittenSpan.ToArray();
    }
}
