using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace ReferenceArchitectures.Bedrock;

/// <summary>
/// Amazon Bedrock Runtime's Converse and ConverseStream over HTTPS, signed with SigV4, exposed both at wire level
/// (<see cref="ConverseAsync"/>, <see cref="ConverseStreamAsync"/>) and as an <see cref="IChatClient"/>.
/// </summary>
/// <remarks>
/// Retries use exponential backoff with full jitter: before retry <c>n</c> (1-based) the client waits a random time in
/// [0, min(MaxDelay, BaseDelay·2^(n-1))). Retried: throttling (429), 500, 503, ModelNotReadyException, network failures
/// and attempt timeouts. Never retried: 400, 403, 404. An attempt that times out surfaces, once attempts run out, as
/// <see cref="BedrockTimeoutException"/>; cancellation by the caller always surfaces as <see cref="OperationCanceledException"/>.
/// </remarks>
public sealed partial class BedrockChatClient : IChatClient
{
    /// <summary>SigV4 service name of the Bedrock Runtime endpoint.</summary>
    internal const string SigningService = "bedrock";

    private const string EventStreamMediaType = "application/vnd.amazon.eventstream";

    private readonly HttpClient _http;
    private readonly BedrockClientOptions _options;
    private readonly AwsRequestSigner _signer;
    private readonly TimeProvider _time;
    private readonly Random _jitter;
    private readonly DefaultAwsCredentialSource? _ownedCredentials;
    private readonly ChatClientMetadata _metadata;

    public BedrockChatClient(HttpClient httpClient, BedrockClientOptions options, IAwsCredentialSource? credentials = null, TimeProvider? timeProvider = null, Random? jitter = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _http = httpClient;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _jitter = jitter ?? Random.Shared;
        if (credentials is null)
        {
            var defaultChain = new DefaultAwsCredentialSource();
            _ownedCredentials = defaultChain;
            credentials = defaultChain;
        }

        _signer = new AwsRequestSigner(credentials, _time);
        _metadata = new ChatClientMetadata("aws.bedrock", options.ResolvedEndpoint, options.ModelId);
    }

    /// <summary>One Converse call, retried as described on the class.</summary>
    /// <param name="modelId">Overrides <see cref="BedrockClientOptions.ModelId"/> for this call.</param>
    public async Task<ConverseResponse> ConverseAsync(ConverseRequest request, string? modelId = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = Serialize(request);
        var uri = OperationUri(modelId, "converse");

        for (var attempt = 1; ; attempt++)
        {
            BedrockException failure;
            using (var timeout = new CancellationTokenSource(_options.AttemptTimeout, _time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token))
            {
                try
                {
                    using var message = await CreateRequestAsync(uri, body, "application/json", linked.Token).ConfigureAwait(false);
                    using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        var json = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
                        return Deserialize(json, BedrockJsonContext.Default.ConverseResponse, attempt) with { RequestId = RequestIdOf(response) };
                    }

                    failure = await ReadErrorAsync(response, attempt, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    failure = new BedrockTimeoutException($"Bedrock did not answer within {_options.AttemptTimeout} (attempt {attempt}).", _options.AttemptTimeout, attempt);
                }
                catch (HttpRequestException ex)
                {
                    failure = NetworkFailure(ex, attempt);
                }
            }

            if (!failure.IsRetryable || attempt >= _options.MaxAttempts)
            {
                throw failure;
            }

            await BackoffAsync(attempt, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One ConverseStream call. Failures before the first event reaches the caller, including exceptions inside the
    /// stream, are retried like <see cref="ConverseAsync"/>; after that they surface as <see cref="BedrockException"/>.
    /// </summary>
    /// <remarks>
    /// The <c>messageStart</c> event only names the role, so it is held back until the next event arrives: a stream
    /// that fails right after it can still be retried without the caller seeing a duplicate start.
    /// </remarks>
    public async IAsyncEnumerable<ConverseStreamEvent> ConverseStreamAsync(ConverseRequest request, string? modelId = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = Serialize(request);
        var uri = OperationUri(modelId, "converse-stream");
        var yielded = false;

        for (var attempt = 1; ; attempt++)
        {
            var (response, failure) = await OpenStreamAsync(uri, body, attempt, ct).ConfigureAwait(false);
            if (response is not null)
            {
                using (response)
                {
                    var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                    var reader = new EventStreamReader(stream);
                    MessageStartEvent? heldStart = null;
                    while (true)
                    {
                        var (next, error) = await ReadEventAsync(reader, attempt, ct).ConfigureAwait(false);
                        if (error is not null)
                        {
                            failure = error;
                            break;
                        }

                        if (next is MessageStartEvent start && !yielded && heldStart is null)
                        {
                            heldStart = start;
                            continue;
                        }

                        if (heldStart is not null)
                        {
                            yielded = true;
                            yield return heldStart;
                            heldStart = null;
                        }

                        if (next is null)
                        {
                            yield break;
                        }

                        yielded = true;
                        yield return next;
                    }
                }
            }

            if (failure is null)
            {
                throw new InvalidOperationException("A stream attempt ended with neither events nor a failure.");
            }

            if (yielded || !failure.IsRetryable || attempt >= _options.MaxAttempts)
            {
                throw failure;
            }

            await BackoffAsync(attempt, ct).ConfigureAwait(false);
        }
    }

    private async Task<(HttpResponseMessage? Response, BedrockException? Failure)> OpenStreamAsync(Uri uri, byte[] body, int attempt, CancellationToken ct)
    {
        using var timeout = new CancellationTokenSource(_options.AttemptTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        HttpResponseMessage? response = null;
        try
        {
            using var message = await CreateRequestAsync(uri, body, EventStreamMediaType, linked.Token).ConfigureAwait(false);
            response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                var opened = response;
                response = null;
                return (opened, null);
            }

            return (null, await ReadErrorAsync(response, attempt, linked.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, new BedrockTimeoutException($"Bedrock did not start a stream within {_options.AttemptTimeout} (attempt {attempt}).", _options.AttemptTimeout, attempt));
        }
        catch (HttpRequestException ex)
        {
            return (null, NetworkFailure(ex, attempt));
        }
        finally
        {
            response?.Dispose();
        }
    }

    /// <summary>The next event, null at the end of the stream, or the failure that ended it.</summary>
    private static async Task<(ConverseStreamEvent? Event, BedrockException? Failure)> ReadEventAsync(EventStreamReader reader, int attempt, CancellationToken ct)
    {
        // Frames already buffered would otherwise be handed out after the caller cancelled.
        ct.ThrowIfCancellationRequested();
        EventStreamFrame? frame;
        try
        {
            frame = await reader.ReadAsync(ct).ConfigureAwait(false);
        }
        catch (IOException ex) when (!ct.IsCancellationRequested)
        {
            return (null, new BedrockException($"The response stream broke off: {ex.Message}", ErrorCodes.NetworkFailure, null, attempt, ex));
        }

        if (frame is null)
        {
            return (null, null);
        }

        var messageType = frame.Header(":message-type") ?? "event";
        switch (messageType)
        {
            case "event":
                return (DecodeEvent(frame), null);
            case "exception":
                var code = ErrorCodes.Normalise(frame.Header(":exception-type") ?? "UnknownException");
                var message = ErrorBodyOf(frame.Message.Payload)?.Message;
                return (null, new BedrockException($"Bedrock stream exception {code}: {message ?? code}", code, null, attempt) { ServiceMessage = message });
            default:
                // Generic event-stream errors carry their code and text in headers rather than in the payload.
                var errorCode = ErrorCodes.Normalise(frame.Header(":error-code") ?? "UnknownError");
                var errorMessage = frame.Header(":error-message");
                return (null, new BedrockException($"Bedrock stream error {errorCode}: {errorMessage}", errorCode, null, attempt) { ServiceMessage = errorMessage });
        }
    }

    private static ConverseStreamEvent DecodeEvent(EventStreamFrame frame)
    {
        var payload = frame.Message.Payload ?? [];
        var eventType = frame.Header(":event-type") ?? "";
        try
        {
            ConverseStreamEvent? decoded = eventType switch
            {
                "messageStart" => JsonSerializer.Deserialize(payload, BedrockJsonContext.Default.MessageStartEvent),
                "contentBlockStart" => JsonSerializer.Deserialize(payload, BedrockJsonContext.Default.ContentBlockStartEvent),
                "contentBlockDelta" => JsonSerializer.Deserialize(payload, BedrockJsonContext.Default.ContentBlockDeltaEvent),
                "contentBlockStop" => JsonSerializer.Deserialize(payload, BedrockJsonContext.Default.ContentBlockStopEvent),
                "messageStop" => JsonSerializer.Deserialize(payload, BedrockJsonContext.Default.MessageStopEvent),
                "metadata" => JsonSerializer.Deserialize(payload, BedrockJsonContext.Default.MetadataEvent),
                _ => new UnknownStreamEvent(eventType, payload.Length == 0 ? default : JsonDocument.Parse(payload).RootElement.Clone()),
            };
            return decoded ?? throw new BedrockEventStreamException($"Event {eventType} has an empty payload.");
        }
        catch (JsonException ex)
        {
            throw new BedrockEventStreamException($"Event {eventType} has a payload that is not the expected JSON: {ex.Message}", ex);
        }
    }

    /// <remarks>Every header is in place before signing: the signer signs what is on the request.</remarks>
    private async Task<HttpRequestMessage> CreateRequestAsync(Uri uri, byte[] body, string accept, CancellationToken ct)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ByteArrayContent(body),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        try
        {
            await _signer.SignAsync(message, SigningService, _options.Region, ct).ConfigureAwait(false);
            return message;
        }
        catch
        {
            message.Dispose();
            throw;
        }
    }

    private static async Task<BedrockException> ReadErrorAsync(HttpResponseMessage response, int attempt, CancellationToken ct)
    {
        var status = response.StatusCode;
        var header = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.FirstOrDefault() : null;
        byte[] body;
        try
        {
            body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            body = [];
        }

        // AWS JSON protocols name the error in x-amzn-ErrorType and, failing that, in the body's __type or code member.
        var error = ErrorBodyOf(body);
        var named = !string.IsNullOrWhiteSpace(header) ? header
            : !string.IsNullOrWhiteSpace(error?.Type) ? error.Type
            : error?.Code;
        var code = string.IsNullOrWhiteSpace(named) ? ErrorCodes.FromStatus(status) : ErrorCodes.Normalise(named);
        var text = error?.Message ?? response.ReasonPhrase ?? code;
        return new BedrockException($"Bedrock returned {(int)status} {code}: {text}", code, status, attempt) { ServiceMessage = error?.Message };
    }

    private static ErrorBody? ErrorBodyOf(byte[]? body)
    {
        if (body is not { Length: > 0 })
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(body, BedrockJsonContext.Default.ErrorBody);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static BedrockException NetworkFailure(HttpRequestException ex, int attempt) =>
        new($"Could not reach Bedrock: {ex.Message}", ErrorCodes.NetworkFailure, null, attempt, ex);

    private async Task BackoffAsync(int failedAttempt, CancellationToken ct)
    {
        var delay = Backoff.Delay(failedAttempt, _options.BaseDelay, _options.MaxDelay, _jitter);
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _time, ct).ConfigureAwait(false);
        }
        else
        {
            ct.ThrowIfCancellationRequested();
        }
    }

    private byte[] Serialize(ConverseRequest request)
    {
        if (request.GuardrailConfig is null && _options.GuardrailId is { Length: > 0 } guardrailId)
        {
            request = request with { GuardrailConfig = new GuardrailConfiguration(guardrailId, _options.GuardrailVersion!) };
        }

        return JsonSerializer.SerializeToUtf8Bytes(request, BedrockJsonContext.Default.ConverseRequest);
    }

    private static T Deserialize<T>(byte[] json, JsonTypeInfo<T> typeInfo, int attempt)
    {
        try
        {
            return JsonSerializer.Deserialize(json, typeInfo) ?? throw new JsonException("The body is JSON null.");
        }
        catch (JsonException ex)
        {
            throw new BedrockException($"Bedrock's response is not the expected JSON: {ex.Message}", ErrorCodes.InvalidResponse, HttpStatusCode.OK, attempt, ex);
        }
    }

    /// <summary>
    /// The model id is one path segment even when it is an ARN or inference-profile id with ':' and '/', so it is
    /// percent-encoded (Bedrock API reference, Converse, URI request parameters).
    /// </summary>
    private Uri OperationUri(string? modelId, string operation)
    {
        var model = string.IsNullOrWhiteSpace(modelId) ? _options.ModelId : modelId;
        var endpoint = _options.ResolvedEndpoint.AbsoluteUri.TrimEnd('/');
        return new Uri($"{endpoint}/model/{Uri.EscapeDataString(model)}/{operation}");
    }

    private static string? RequestIdOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-amzn-RequestId", out var values) ? values.FirstOrDefault() : null;

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return _metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose() => _ownedCredentials?.Dispose();
}

/// <summary>Exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog).</summary>
internal static class Backoff
{
    public static TimeSpan Delay(int failedAttempt, TimeSpan baseDelay, TimeSpan maxDelay, Random jitter)
    {
        var exponent = Math.Clamp(failedAttempt - 1, 0, 30);
        var ceiling = Math.Min(maxDelay.Ticks, baseDelay.Ticks * Math.Pow(2, exponent));
        return TimeSpan.FromTicks((long)(jitter.NextDouble() * ceiling));
    }
}
