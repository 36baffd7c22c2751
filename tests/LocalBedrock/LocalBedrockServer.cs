using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ReferenceArchitectures.Testing.LocalBedrock;

/// <summary>Credentials the local endpoint accepts; the client under test must sign with the same pair.</summary>
public sealed record LocalBedrockCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null)
{
    /// <summary>Made-up credentials in AWS's documented example format.</summary>
    public static LocalBedrockCredentials Example { get; } = new("AKIDLOCALBEDROCK", "local/bedrock/secret/key/EXAMPLEKEY");
}

/// <summary>
/// A Kestrel server on 127.0.0.1 that speaks Bedrock Runtime's Converse and ConverseStream wire format, verifies every
/// request's SigV4 signature and answers with scripted <see cref="Behaviour"/>s.
/// </summary>
/// <example>
/// <code>
/// await using var bedrock = await LocalBedrockServer.StartAsync();
/// bedrock.Enqueue(Behaviour.Throttling(), times: 2);
/// // point the client at bedrock.Endpoint, signing with bedrock.Credentials, region bedrock.Region
/// </code>
/// </example>
public sealed class LocalBedrockServer : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    private readonly WebApplication _app;
    private readonly SigV4Verifier _verifier;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, LocalBedrockCredentials> _accepted = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Behaviour> _queue = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly Lock _requestsLock = new();
    private TaskCompletionSource _requestArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _requestIds;

    private LocalBedrockServer(WebApplication app, LocalBedrockCredentials credentials, string region)
    {
        _app = app;
        Credentials = credentials;
        Region = region;
        _accepted[credentials.AccessKeyId] = credentials;
        _verifier = new SigV4Verifier(id => _accepted.TryGetValue(id, out var known) ? known.SecretAccessKey : null, "bedrock", region);
        Endpoint = null!;
    }

    /// <summary>Base address, e.g. <c>http://127.0.0.1:54321</c>.</summary>
    public Uri Endpoint { get; private set; }

    public LocalBedrockCredentials Credentials { get; }

    /// <summary>
    /// Makes the endpoint accept one more access key as well as <see cref="Credentials"/>, as IAM accepts every role's
    /// session credentials: give each caller its own, and <see cref="RecordedRequest.AccessKeyId"/> tells them apart.
    /// </summary>
    public void Accept(LocalBedrockCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        _accepted[credentials.AccessKeyId] = credentials;
    }

    /// <summary>The Region the signature's credential scope must name.</summary>
    public string Region { get; }

    /// <summary>What to do when nothing is queued. Default: <see cref="Behaviour.Echo"/>.</summary>
    public Behaviour DefaultBehaviour { get; set; } = Behaviour.Echo;

    /// <summary>Every request received so far, in arrival order, including rejected ones.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requestsLock)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<LocalBedrockServer> StartAsync(LocalBedrockCredentials? credentials = null, string region = "us-east-1", CancellationToken ct = default)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new LocalBedrockServer(app, credentials ?? LocalBedrockCredentials.Example, region);
        app.Run(server.HandleAsync);
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server.Endpoint = new Uri(address);
        return server;
    }

    /// <summary>Queues a behaviour for the next <paramref name="times"/> requests that reach a Converse route with a valid signature.</summary>
    public void Enqueue(Behaviour behaviour, int times = 1)
    {
        ArgumentNullException.ThrowIfNull(behaviour);
        ArgumentOutOfRangeException.ThrowIfNegative(times);
        for (var i = 0; i < times; i++)
        {
            _queue.Enqueue(behaviour);
        }
    }

    /// <summary>Queues several behaviours, one per request, in order.</summary>
    public void Enqueue(params Behaviour[] behaviours)
    {
        ArgumentNullException.ThrowIfNull(behaviours);
        foreach (var behaviour in behaviours)
        {
            Enqueue(behaviour);
        }
    }

    /// <summary>Completes once at least <paramref name="count"/> requests have arrived.</summary>
    public async Task WaitForRequestsAsync(int count, CancellationToken ct)
    {
        while (true)
        {
            Task arrived;
            lock (_requestsLock)
            {
                if (_requests.Count >= count)
                {
                    return;
                }

                arrived = _requestArrived.Task;
            }

            await arrived.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        using var bodyBuffer = new MemoryStream();
        await request.Body.CopyToAsync(bodyBuffer, context.RequestAborted).ConfigureAwait(false);
        var body = bodyBuffer.ToArray();

        var headerLines = request.Headers.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v ?? ""))).ToList();
        var signature = _verifier.Verify(request.Method, rawTarget, headerLines, body);
        var (modelId, operation) = ParseRoute(rawTarget);
        var recorded = new RecordedRequest(
            request.Method,
            rawTarget,
            modelId,
            operation,
            TryParseJson(body),
            request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            signature);
        Record(recorded);
        context.Response.Headers["x-amzn-RequestId"] = $"local-{Interlocked.Increment(ref _requestIds):D6}";

        if (!signature.IsValid)
        {
            await WriteErrorAsync(context, HttpStatusCode.Forbidden, signature.ErrorType, signature.Message).ConfigureAwait(false);
            return;
        }

        if (recorded.AccessKeyId is { } signer && _accepted.TryGetValue(signer, out var signedWith)
            && signedWith.SessionToken is { } token && request.Headers["X-Amz-Security-Token"] != token)
        {
            await WriteErrorAsync(context, HttpStatusCode.Forbidden, "UnrecognizedClientException", "The security token included in the request is invalid.").ConfigureAwait(false);
            return;
        }

        if (request.Method != HttpMethods.Post || operation is null)
        {
            await WriteErrorAsync(context, HttpStatusCode.NotFound, "UnknownOperationException", $"No operation at {request.Method} {rawTarget}.").ConfigureAwait(false);
            return;
        }

        if (recorded.Body is not { ValueKind: JsonValueKind.Object } json || !json.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            await WriteErrorAsync(context, HttpStatusCode.BadRequest, "ValidationException", "The request body must be a JSON object with a non-empty \"messages\" array.").ConfigureAwait(false);
            return;
        }

        if (ConverseValidation.FirstViolation(json) is { } violation)
        {
            await WriteErrorAsync(context, HttpStatusCode.BadRequest, "ValidationException", violation).ConfigureAwait(false);
            return;
        }

        var behaviour = _queue.TryDequeue(out var queued) ? queued : DefaultBehaviour;
        await BehaveAsync(context, recorded, behaviour, stream: operation == "converse-stream").ConfigureAwait(false);
    }

    private static async Task BehaveAsync(HttpContext context, RecordedRequest recorded, Behaviour behaviour, bool stream)
    {
        switch (behaviour)
        {
            case DelayBehaviour delay:
                try
                {
                    await Task.Delay(delay.Duration(recorded), context.RequestAborted).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                await BehaveAsync(context, recorded, delay.Then, stream).ConfigureAwait(false);
                return;
            case HttpErrorBehaviour { TypeInBodyMember: { } member } error:
                context.Response.StatusCode = (int)error.Status;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(new JsonObject { [member] = error.ErrorType, ["message"] = error.Message }.ToJsonString(Compact), context.RequestAborted).ConfigureAwait(false);
                return;
            case HttpErrorBehaviour error:
                await WriteErrorAsync(context, error.Status, error.ErrorType, error.Message).ConfigureAwait(false);
                return;
            case StreamExceptionBehaviour failure when !stream:
                var type = char.ToUpperInvariant(failure.ExceptionType[0]) + failure.ExceptionType[1..];
                await WriteErrorAsync(context, StatusFor(type), type, failure.Message).ConfigureAwait(false);
                return;
            case StreamExceptionBehaviour failure:
                await WriteStreamAsync(context, failure.Reply.Compose(recorded), recorded, failure).ConfigureAwait(false);
                return;
            case ReplyBehaviour reply when stream:
                await WriteStreamAsync(context, reply.Compose(recorded), recorded, failure: null).ConfigureAwait(false);
                return;
            case ReplyBehaviour reply:
                await WriteConverseAsync(context, reply.Compose(recorded), recorded).ConfigureAwait(false);
                return;
            default:
                throw new InvalidOperationException($"Unknown behaviour {behaviour.GetType().Name}.");
        }
    }

    private static async Task WriteConverseAsync(HttpContext context, Reply reply, RecordedRequest recorded)
    {
        var content = new JsonArray();
        foreach (var block in reply.Blocks)
        {
            content.Add(block.Text is not null
                ? new JsonObject { ["text"] = block.Text }
                : new JsonObject
                {
                    ["toolUse"] = new JsonObject
                    {
                        ["toolUseId"] = block.ToolUseId,
                        ["name"] = block.ToolName,
                        ["input"] = JsonNode.Parse(block.ToolInputJson ?? "{}"),
                    },
                });
        }

        var body = new JsonObject
        {
            ["output"] = new JsonObject { ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content } },
            ["stopReason"] = reply.StopReason,
            ["usage"] = Usage(recorded, reply),
            ["metrics"] = new JsonObject { ["latencyMs"] = 12 },
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(Compact), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The events Bedrock sends for a reply, in order: messageStart, per block (start,) deltas, stop, then messageStop and metadata.</summary>
    private static List<(string EventType, JsonObject Payload)> StreamEvents(Reply reply, RecordedRequest recorded)
    {
        var events = new List<(string, JsonObject)> { ("messageStart", new JsonObject { ["role"] = "assistant" }) };
        for (var index = 0; index < reply.Blocks.Count; index++)
        {
            var block = reply.Blocks[index];
            if (block.Text is not null)
            {
                foreach (var piece in SplitWords(block.Text))
                {
                    events.Add(("contentBlockDelta", new JsonObject { ["contentBlockIndex"] = index, ["delta"] = new JsonObject { ["text"] = piece } }));
                }
            }
            else
            {
                events.Add(("contentBlockStart", new JsonObject
                {
                    ["contentBlockIndex"] = index,
                    ["start"] = new JsonObject { ["toolUse"] = new JsonObject { ["toolUseId"] = block.ToolUseId, ["name"] = block.ToolName } },
                }));
                var input = block.ToolInputJson ?? "{}";
                var half = input.Length / 2;
                foreach (var piece in new[] { input[..half], input[half..] }.Where(p => p.Length > 0))
                {
                    events.Add(("contentBlockDelta", new JsonObject { ["contentBlockIndex"] = index, ["delta"] = new JsonObject { ["toolUse"] = new JsonObject { ["input"] = piece } } }));
                }
            }

            events.Add(("contentBlockStop", new JsonObject { ["contentBlockIndex"] = index }));
        }

        events.Add(("messageStop", new JsonObject { ["stopReason"] = reply.StopReason }));
        events.Add(("metadata", new JsonObject { ["usage"] = Usage(recorded, reply), ["metrics"] = new JsonObject { ["latencyMs"] = 12 } }));
        return events;
    }

    private static async Task WriteStreamAsync(HttpContext context, Reply reply, RecordedRequest recorded, StreamExceptionBehaviour? failure)
    {
        context.Response.ContentType = "application/vnd.amazon.eventstream";
        var events = StreamEvents(reply, recorded);
        var count = failure is null ? events.Count : Math.Min(failure.AfterEvents, events.Count);
        for (var i = 0; i < count; i++)
        {
            var (eventType, payload) = events[i];
            var frame = EventStreamEncoder.Encode(
                [
                    EventStreamHeader.ForString(":event-type", eventType),
                    EventStreamHeader.ForString(":content-type", "application/json"),
                    EventStreamHeader.ForString(":message-type", "event"),
                ],
                Encoding.UTF8.GetBytes(payload.ToJsonString(Compact)));
            await context.Response.Body.WriteAsync(frame, context.RequestAborted).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }

        if (failure is not null)
        {
            var frame = EventStreamEncoder.Encode(
                [
                    EventStreamHeader.ForString(":exception-type", failure.ExceptionType),
                    EventStreamHeader.ForString(":content-type", "application/json"),
                    EventStreamHeader.ForString(":message-type", "exception"),
                ],
                Encoding.UTF8.GetBytes(new JsonObject { ["message"] = failure.Message }.ToJsonString(Compact)));
            await context.Response.Body.WriteAsync(frame, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static async Task WriteErrorAsync(HttpContext context, HttpStatusCode status, string errorType, string message)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/json";
        // Real responses append a namespace after ':' (e.g. "ThrottlingException:http://internal.amazon.com/coral/..."), which clients must strip.
        context.Response.Headers["x-amzn-ErrorType"] = $"{errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/";
        await context.Response.WriteAsync(new JsonObject { ["message"] = message }.ToJsonString(Compact), context.RequestAborted).ConfigureAwait(false);
    }

    private static HttpStatusCode StatusFor(string errorType) =>
        errorType switch
        {
            "ThrottlingException" => HttpStatusCode.TooManyRequests,
            "ServiceUnavailableException" => HttpStatusCode.ServiceUnavailable,
            "ValidationException" => HttpStatusCode.BadRequest,
            "ModelTimeoutException" => HttpStatusCode.RequestTimeout,
            "ModelStreamErrorException" => HttpStatusCode.FailedDependency,
            _ => HttpStatusCode.InternalServerError,
        };

    /// <summary>Token counts are words, which keeps them predictable in tests.</summary>
    private static JsonObject Usage(RecordedRequest recorded, Reply reply)
    {
        var input = CountWords(recorded.Body?.GetRawText() is null ? "" : AllText(recorded.Body.Value));
        var output = reply.Blocks.Sum(b => CountWords(b.Text ?? b.ToolInputJson ?? ""));
        var usage = new JsonObject { ["inputTokens"] = input, ["outputTokens"] = output, ["totalTokens"] = input + output };
        if (reply.CacheReadInputTokens is { } read)
        {
            usage["cacheReadInputTokens"] = read;
        }

        if (reply.CacheWriteInputTokens is { } write)
        {
            usage["cacheWriteInputTokens"] = write;
        }

        return usage;
    }

    private static string AllText(JsonElement body)
    {
        var texts = new List<string>();
        Collect(body);
        return string.Join(" ", texts);

        void Collect(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        if (property.NameEquals("text") && property.Value.ValueKind == JsonValueKind.String)
                        {
                            texts.Add(property.Value.GetString()!);
                        }
                        else if (!property.NameEquals("toolConfig"))
                        {
                            Collect(property.Value);
                        }
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Collect(item);
                    }

                    break;
            }
        }
    }

    private static int CountWords(string text) => text.Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries).Length;

    /// <summary>"Hello big world" → "Hello", " big", " world": deltas that concatenate back to the text.</summary>
    private static IEnumerable<string> SplitWords(string text)
    {
        var start = 0;
        for (var i = 1; i < text.Length; i++)
        {
            if (text[i] == ' ' && text[i - 1] != ' ')
            {
                yield return text[start..i];
                start = i;
            }
        }

        if (start < text.Length)
        {
            yield return text[start..];
        }
    }

    private static (string? ModelId, string? Operation) ParseRoute(string rawTarget)
    {
        var path = rawTarget.Split('?', 2)[0];
        var segments = path.Split('/');
        if (segments.Length == 4 && segments[0].Length == 0 && segments[1] == "model" && segments[3] is "converse" or "converse-stream" && segments[2].Length > 0)
        {
            return (Uri.UnescapeDataString(segments[2]), segments[3]);
        }

        return (null, null);
    }

    private static JsonElement? TryParseJson(byte[] body)
    {
        if (body.Length == 0)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private void Record(RecordedRequest recorded)
    {
        lock (_requestsLock)
        {
            _requests.Add(recorded);
            var arrived = _requestArrived;
            _requestArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            arrived.SetResult();
        }
    }
}
