using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace ReferenceArchitectures.LambdaRuntime;

/// <summary>One invocation as GET /runtime/invocation/next hands it out.</summary>
internal sealed record RuntimeInvocation(
    string RequestId,
    DateTimeOffset Deadline,
    string InvokedFunctionArn,
    string? TraceId,
    string? ClientContext,
    string? CognitoIdentity,
    ReadOnlyMemory<byte> Payload);

/// <summary>
/// The buffered calls of the Lambda Runtime API, version 2018-06-01
/// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html). Streamed responses go through
/// <see cref="StreamingResponseRequest"/>, because HttpClient cannot send request trailers.
/// </summary>
internal sealed class RuntimeApiClient : IDisposable
{
    public const string UserAgent = "reference-architectures-runtime/1.0";
    public const string ApiVersion = "2018-06-01";
    public const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";

    private readonly HttpClient _http;

    public RuntimeApiClient(string runtimeApi)
    {
        if (!Uri.TryCreate($"http://{runtimeApi}/", UriKind.Absolute, out var root) || root.AbsolutePath != "/" || string.IsNullOrEmpty(root.Host))
        {
            throw new ArgumentException($"AWS_LAMBDA_RUNTIME_API must be host:port, but is '{runtimeApi}'.", nameof(runtimeApi));
        }

        Authority = root.Authority;
        Host = root.DnsSafeHost;
        Port = root.Port;
        var handler = new SocketsHttpHandler
        {
            // The Runtime API is local to the execution environment; an HTTP(S)_PROXY meant for outbound calls must not apply.
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
        };

        // No client timeout: the docs say not to set one on GET /next, since the environment may be frozen
        // between invocations; callers bound the other calls with their cancellation tokens.
        _http = new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = new Uri(root, $"{ApiVersion}/runtime/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", UserAgent);
    }

    public string Authority { get; }

    public string Host { get; }

    public int Port { get; }

    public async Task<RuntimeInvocation> GetNextInvocationAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri("invocation/next", UriKind.Relative), HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var payload = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw Unexpected("GET /runtime/invocation/next", response.StatusCode, payload);
        }

        var headers = response.Headers;
        var requestId = Header(headers, "Lambda-Runtime-Aws-Request-Id")
            ?? throw new LambdaRuntimeApiException("The next invocation carries no Lambda-Runtime-Aws-Request-Id header.");
        var deadlineText = Header(headers, "Lambda-Runtime-Deadline-Ms");
        if (!long.TryParse(deadlineText, NumberStyles.None, CultureInfo.InvariantCulture, out var deadlineMs))
        {
            throw new LambdaRuntimeApiException($"Invocation {requestId} carries an invalid Lambda-Runtime-Deadline-Ms header '{deadlineText}'.");
        }

        return new RuntimeInvocation(
            requestId,
            DateTimeOffset.FromUnixTimeMilliseconds(deadlineMs),
            Header(headers, "Lambda-Runtime-Invoked-Function-Arn") ?? string.Empty,
            Header(headers, "Lambda-Runtime-Trace-Id"),
            Header(headers, "Lambda-Runtime-Client-Context"),
            Header(headers, "Lambda-Runtime-Cognito-Identity"),
            payload);
    }

    public async Task PostResponseAsync(string requestId, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        using var content = new ReadOnlyMemoryContent(body);
        await PostAsync($"invocation/{Uri.EscapeDataString(requestId)}/response", content, cancellationToken).ConfigureAwait(false);
    }

    public async Task PostInvocationErrorAsync(string requestId, LambdaErrorReport error, CancellationToken cancellationToken)
    {
        using var content = ErrorContent(error);
        await PostAsync($"invocation/{Uri.EscapeDataString(requestId)}/error", content, cancellationToken).ConfigureAwait(false);
    }

    public async Task PostInitErrorAsync(LambdaErrorReport error, CancellationToken cancellationToken)
    {
        using var content = ErrorContent(error);
        await PostAsync("init/error", content, cancellationToken).ConfigureAwait(false);
    }

    public StreamingResponseRequest CreateStreamingResponse(string requestId) =>
        new(Host, Port, Authority, $"/{ApiVersion}/runtime/invocation/{Uri.EscapeDataString(requestId)}/response");

    public void Dispose() => _http.Dispose();

    private static ByteArrayContent ErrorContent(LambdaErrorReport error)
    {
        var content = new ByteArrayContent(error.ToJson());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.TryAddWithoutValidation(ErrorTypeHeader, HeaderSafe(error.ErrorType));
        return content;
    }

    private async Task PostAsync(string path, HttpContent content, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsync(new Uri(path, UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            throw Unexpected($"POST /runtime/{path}", response.StatusCode, body);
        }
    }

    private static LambdaRuntimeApiException Unexpected(string call, HttpStatusCode status, byte[] body)
    {
        var text = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 1024));
        return new LambdaRuntimeApiException($"{call} answered {(int)status} {status}: {text}", status);
    }

    private static string? Header(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    // Header values travel on one line; a type name never contains line breaks, but an error type can be any string.
    internal static string HeaderSafe(string value) => value.ReplaceLineEndings(" ");
}
