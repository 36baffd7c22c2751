using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ReferenceArchitectures.Testing.LocalRuntimeApi;

/// <summary>
/// The Lambda Runtime API (version 2018-06-01) on Kestrel at 127.0.0.1, written from AWS's reference
/// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html) and the response-streaming section of
/// https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html, so that functions run as real processes
/// or in-process hosts can be invoked locally.
/// </summary>
public sealed partial class LocalRuntimeApi : IAsyncDisposable
{
    /// <summary>Synchronous invocations allow 6 MB responses (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).</summary>
    public const int BufferedResponseLimitBytes = 6 * 1024 * 1024;

    /// <summary>
    /// The Runtime API is written in Go, whose net/http reads a request's trailer section only when it ends within
    /// the connection's 4096-byte read buffer, and fails the body with "http: suspiciously long trailer after chunked
    /// body" otherwise (golang/go src/net/http/transfer.go, body.readTrailer). The emulator then reports the response
    /// as Runtime.TruncatedResponse and answers 400 TruncatedHTTPRequest
    /// (aws-lambda-runtime-interface-emulator, internal/lambda/core/directinvoke/directinvoke.go and
    /// internal/lambda/rapi/handler/invocationresponse.go).
    /// </summary>
    public const int MaxTrailerBytes = 4096;

    private const string Prefix = "/2018-06-01/runtime";
    private const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly WebApplication _app;
    private readonly Channel<PendingInvocation> _queue = Channel.CreateUnbounded<PendingInvocation>();
    private readonly ConcurrentDictionary<string, PendingInvocation> _invocations = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<InitErrorReport> _initError = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private DateTimeOffset? _firstNextRequestedAt;
    private int _disposed;

    private LocalRuntimeApi(WebApplication app)
    {
        _app = app;
        Address = string.Empty;
    }

    /// <summary>"127.0.0.1:PORT": the value for AWS_LAMBDA_RUNTIME_API.</summary>
    public string Address { get; private set; }

    /// <summary>Completes when the function reports an initialization failure on /runtime/init/error.</summary>
    public Task<InitErrorReport> InitError => _initError.Task;

    /// <summary>When the first GET /runtime/invocation/next arrived: the end of the function's init phase.</summary>
    public DateTimeOffset? FirstNextRequestedAt
    {
        get
        {
            lock (_gate)
            {
                return _firstNextRequestedAt;
            }
        }
    }

    public static async Task<LocalRuntimeApi> StartAsync(CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);

            // Streamed responses may be large and slow (tokens trickle out of a model), so neither size nor rate is capped here;
            // the buffered 6 MB limit is checked by the endpoint, which answers 413 as Lambda does.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
        });

        var app = builder.Build();
        var api = new LocalRuntimeApi(app);
        api.MapEndpoints();
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        api.Address = new Uri(address).Authority;
        return api;
    }

    public Task<InvocationResult> InvokeAsync(ReadOnlyMemory<byte> payload, TimeSpan? timeout = null, string? traceId = null, CancellationToken ct = default) =>
        InvokeAsync(new InvocationRequest(payload) { Timeout = timeout, TraceId = traceId }, ct);

    /// <summary>Queues an invocation for the function's next GET /next and waits for its answer until the deadline.</summary>
    /// <exception cref="TimeoutException">The function did not answer before the deadline.</exception>
    public async Task<InvocationResult> InvokeAsync(InvocationRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var timeout = request.Timeout ?? DefaultTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero, "request.Timeout");

        var requestId = Guid.NewGuid().ToString();
        var pending = new PendingInvocation(requestId, request, DateTimeOffset.UtcNow + timeout);
        _invocations[requestId] = pending;
        _queue.Writer.TryWrite(pending);
        try
        {
            return await pending.Completion.WaitAsync(timeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var timedOut = new TimeoutException($"Invocation {requestId} got no response within its timeout of {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.");
            pending.Abandon(timedOut);
            throw timedOut;
        }
        catch (OperationCanceledException ex)
        {
            pending.Abandon(ex);
            throw;
        }
        finally
        {
            _invocations.TryRemove(requestId, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Long-polling GET /next requests would otherwise hold up Kestrel's graceful shutdown.
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var pending in _invocations.Values)
        {
            pending.Abandon(new ObjectDisposedException(nameof(LocalRuntimeApi), $"The local Runtime API stopped before invocation {pending.RequestId} completed."));
        }

        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private void MapEndpoints()
    {
        _app.MapGet($"{Prefix}/invocation/next", NextAsync);
        _app.MapPost($"{Prefix}/invocation/{{requestId}}/response", ResponseAsync);
        _app.MapPost($"{Prefix}/invocation/{{requestId}}/error", InvocationErrorAsync);
        _app.MapPost($"{Prefix}/init/error", InitErrorAsync);
        _app.MapFallback(context => WriteErrorAsync(context, StatusCodes.Status404NotFound, "NotFound", $"No Runtime API resource at {context.Request.Method} {context.Request.Path}."));
    }

    private async Task NextAsync(HttpContext context)
    {
        lock (_gate)
        {
            _firstNextRequestedAt ??= DateTimeOffset.UtcNow;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        PendingInvocation pending;
        try
        {
            do
            {
                pending = await _queue.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
            }
            while (!pending.TryDeliver());
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // 500 tells a runtime the environment cannot continue and it should exit.
            await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, "ServiceStopping", "The local Runtime API is shutting down.").ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var request = pending.Request;
        var headers = context.Response.Headers;
        headers["Lambda-Runtime-Aws-Request-Id"] = pending.RequestId;
        headers["Lambda-Runtime-Deadline-Ms"] = pending.Deadline.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        headers["Lambda-Runtime-Invoked-Function-Arn"] = request.InvokedFunctionArn;
        SetIfPresent(headers, "Lambda-Runtime-Trace-Id", request.TraceId);
        SetIfPresent(headers, "Lambda-Runtime-Client-Context", request.ClientContext);
        SetIfPresent(headers, "Lambda-Runtime-Cognito-Identity", request.CognitoIdentity);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = request.Payload.Length;
        await context.Response.Body.WriteAsync(request.Payload, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task ResponseAsync(HttpContext context)
    {
        if (await ClaimAsync(context).ConfigureAwait(false) is not { } pending)
        {
            return;
        }

        var streamed = string.Equals(context.Request.Headers["Lambda-Runtime-Function-Response-Mode"], "streaming", StringComparison.OrdinalIgnoreCase);
        if (streamed)
        {
            await ReceiveStreamAsync(context, pending).ConfigureAwait(false);
            return;
        }

        var (body, total) = await ReadLimitedAsync(context, BufferedResponseLimitBytes).ConfigureAwait(false);
        if (total > BufferedResponseLimitBytes)
        {
            var message = $"Response payload size ({total} bytes) exceeded maximum allowed payload size ({BufferedResponseLimitBytes} bytes).";
            pending.Complete(Result(context, pending, isError: true, "Function.ResponseSizeTooLarge", ErrorDocument("Function.ResponseSizeTooLarge", message), streamed: false));
            await WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, "RequestEntityTooLarge", message).ConfigureAwait(false);
            return;
        }

        pending.Complete(Result(context, pending, isError: false, null, body, streamed: false));
        await WriteAcceptedAsync(context).ConfigureAwait(false);
    }

    private async Task InvocationErrorAsync(HttpContext context)
    {
        if (await ClaimAsync(context).ConfigureAwait(false) is not { } pending)
        {
            return;
        }

        var (body, _) = await ReadLimitedAsync(context, BufferedResponseLimitBytes).ConfigureAwait(false);
        var errorType = ValidErrorType(context.Request.Headers[ErrorTypeHeader].FirstOrDefault());
        pending.Complete(Result(context, pending, isError: true, errorType, body, streamed: false));
        await WriteAcceptedAsync(context).ConfigureAwait(false);
    }

    private async Task InitErrorAsync(HttpContext context)
    {
        var (body, _) = await ReadLimitedAsync(context, BufferedResponseLimitBytes).ConfigureAwait(false);
        _initError.TrySetResult(new InitErrorReport(ValidErrorType(context.Request.Headers[ErrorTypeHeader].FirstOrDefault()), System.Text.Encoding.UTF8.GetString(body)));
        await WriteAcceptedAsync(context).ConfigureAwait(false);
    }

    private static async Task ReceiveStreamAsync(HttpContext context, PendingInvocation pending)
    {
        var chunks = new List<ReceivedChunk>();
        using var body = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                var chunk = new ReceivedChunk(DateTimeOffset.UtcNow, buffer.AsSpan(0, read).ToArray());
                chunks.Add(chunk);
                body.Write(chunk.Data);
                pending.Request.ChunkReceived?.Invoke(chunk);
            }
        }
        // BadHttpRequestException (a truncated chunked body) is an IOException.
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // The function went away mid-stream; Lambda would fail the invocation. The error type is this server's own.
            pending.Complete(Result(context, pending, isError: true, "LocalRuntimeApi.StreamAborted", body.ToArray(), streamed: true) with { Chunks = chunks });
            return;
        }

        var trailers = ReadTrailers(context);
        if (TrailerSectionBytes(trailers) > MaxTrailerBytes)
        {
            // Lambda's Go server fails the body read and the invocation as truncated; the function's own error is lost.
            pending.Complete(Result(context, pending, isError: true, "Runtime.TruncatedResponse", body.ToArray(), streamed: true) with { Chunks = chunks });
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "TruncatedHTTPRequest", "HTTP request detected as truncated").ConfigureAwait(false);
            return;
        }

        var errorType = trailers.TryGetValue(ErrorTypeHeader, out var sentType) ? ValidErrorType(sentType) : null;
        pending.Complete(Result(context, pending, isError: errorType is not null, errorType, body.ToArray(), streamed: true) with
        {
            Chunks = chunks,
            Trailers = trailers,
        });
        await WriteAcceptedAsync(context).ConfigureAwait(false);
    }

    /// <summary>
    /// The error type Lambda records: kept if it matches <c>(Runtime|Function)\.[A-Z][a-zA-Z]+</c> anywhere (Go's
    /// regexp.MatchString is unanchored), else Function.Unknown for a Function.* value and Runtime.Unknown for the rest
    /// (aws-lambda-runtime-interface-emulator, internal/lambda/fatalerror/fatalerror.go,
    /// GetValidRuntimeOrFunctionErrorType). The error document in the body keeps the function's own type.
    /// </summary>
    public static string ValidErrorType(string? errorType)
    {
        errorType ??= string.Empty;
        if (ValidErrorTypePattern().IsMatch(errorType))
        {
            return errorType;
        }

        return errorType.StartsWith("Function.", StringComparison.Ordinal) ? "Function.Unknown" : "Runtime.Unknown";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(Runtime|Function)\.[A-Z][a-zA-Z]+", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex ValidErrorTypePattern();

    /// <summary>The trailer section as it travelled: "name: value" CRLF per field, then the closing CRLF.</summary>
    private static int TrailerSectionBytes(Dictionary<string, string> trailers) =>
        trailers.Count == 0 ? 0 : trailers.Sum(t => t.Key.Length + 2 + t.Value.Length + 2) + 2;

    private static Dictionary<string, string> ReadTrailers(HttpContext context)
    {
        var trailers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (context.Request.SupportsTrailers() && context.Request.CheckTrailersAvailable()
            && context.Features.Get<IHttpRequestTrailersFeature>() is { } feature)
        {
            foreach (var (name, value) in feature.Trailers)
            {
                trailers[name] = value.ToString();
            }
        }

        return trailers;
    }

    /// <summary>Finds the invocation a response or error names; answers 400 as Lambda does when there is none to answer.</summary>
    private async Task<PendingInvocation?> ClaimAsync(HttpContext context)
    {
        var requestId = context.Request.RouteValues["requestId"] as string ?? string.Empty;
        if (_invocations.TryGetValue(requestId, out var pending) && pending.TryBeginAnswer())
        {
            return pending;
        }

        await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "InvalidRequestID", $"Invalid request ID: '{requestId}' is not an invocation awaiting an answer.").ConfigureAwait(false);
        return null;
    }

    /// <summary>Reads the whole body but keeps at most <paramref name="limit"/> bytes, so an oversized body is still consumed cleanly.</summary>
    private static async Task<(byte[] Body, long Total)> ReadLimitedAsync(HttpContext context, int limit)
    {
        using var kept = new MemoryStream();
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            var keep = (int)Math.Clamp(limit - total, 0, read);
            kept.Write(buffer, 0, keep);
            total += read;
        }

        return (kept.ToArray(), total);
    }

    private static InvocationResult Result(HttpContext context, PendingInvocation pending, bool isError, string? errorType, byte[] body, bool streamed) =>
        new(pending.RequestId, isError, errorType, body, context.Request.ContentType, streamed, [], new Dictionary<string, string>(), DateTimeOffset.UtcNow)
        {
            Headers = context.Request.Headers.ToDictionary(header => header.Key, header => header.Value.ToString(), StringComparer.OrdinalIgnoreCase),
        };

    private static byte[] ErrorDocument(string errorType, string message) =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["errorMessage"] = message, ["errorType"] = errorType });

    private static void SetIfPresent(IHeaderDictionary headers, string name, string? value)
    {
        if (value is not null)
        {
            headers[name] = value;
        }
    }

    private static Task WriteAcceptedAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync("""{"status":"OK"}""", context.RequestAborted);
    }

    private static async Task WriteErrorAsync(HttpContext context, int status, string errorType, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(ErrorDocument(errorType, message), context.RequestAborted).ConfigureAwait(false);
    }
}
