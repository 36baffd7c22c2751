using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ReferenceArchitectures.Bedrock;
using ReferenceArchitectures.LambdaRuntime;

namespace ReferenceArchitectures.Functions.InferenceApi;

/// <summary>
/// The two handlers of pattern 1. <c>converse</c> answers the HTTP API's <c>POST /v1/chat</c> with one JSON
/// document; <c>converse-stream</c> answers the Function URL with server-sent events, one per text delta.
/// Both depend only on <see cref="IChatClient"/>.
/// </summary>
public sealed class ChatHandlers(IChatClient chat, ChatSettings settings, StreamFailureMetric streamFailures)
{
    public const string ConverseHandler = ChatFunctionContract.ConverseHandler;
    public const string ConverseStreamHandler = ChatFunctionContract.ConverseStreamHandler;

    private static readonly Dictionary<string, string> JsonHeaders = new() { ["content-type"] = "application/json" };

    public async Task<ReadOnlyMemory<byte>> ConverseAsync(ReadOnlyMemory<byte> payload, LambdaContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        HttpResponseEvent answer;
        try
        {
            var call = ChatRequestParser.Parse(ReadEvent(payload), settings.MaxPromptCharacters);
            var response = await chat.GetResponseAsync(call.Messages, call.Options, context.CancellationToken);
            BedrockFaultMapping.ThrowIfUnreadable(response.FinishReason);
            var reply = new ChatReply
            {
                Message = new ChatReplyMessage("assistant", response.Text),
                FinishReason = response.FinishReason?.Value,
                Usage = ToUsage(response.Usage),
                ModelId = response.ModelId ?? settings.ModelId,
            };
            answer = new HttpResponseEvent
            {
                StatusCode = 200,
                Headers = JsonHeaders,
                Body = JsonSerializer.Serialize(reply, FunctionJsonContext.Default.ChatReply),
            };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            answer = FaultResponse(Describe(ex, context), context);
        }

        return JsonSerializer.SerializeToUtf8Bytes(answer, FunctionJsonContext.Default.HttpResponseEvent);
    }

    public async Task ConverseStreamAsync(ReadOnlyMemory<byte> payload, LambdaResponseStream response, LambdaContext context)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(context);
        var ct = context.CancellationToken;

        ChatCall call;
        try
        {
            var request = ReadEvent(payload);
            if (request.RequestContext?.Http?.Method is { } method && !method.Equals("POST", StringComparison.OrdinalIgnoreCase))
            {
                await WriteProblemAsync(response, new HttpFault(405, "Method Not Allowed", "Send the chat request with POST."), context);
                return;
            }

            call = ChatRequestParser.Parse(request, settings.MaxPromptCharacters);
        }
        catch (InvalidChatRequestException ex)
        {
            await WriteProblemAsync(response, Describe(ex, context), context);
            return;
        }

        // The first update is awaited before the 200 prelude is written, so that a failure that happens before
        // any token (access denied, throttling after retries) still gets its own status code.
        var updates = chat.GetStreamingResponseAsync(call.Messages, call.Options, ct).GetAsyncEnumerator(ct);
        try
        {
            bool more;
            try
            {
                more = await updates.MoveNextAsync();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The problem document goes out as the function's response, so Lambda records a success here too: a
                // server-side fault is counted like one after the first token (a caller's fault, 4xx, is not).
                var fault = Describe(ex, context);
                if (fault.Status >= 500)
                {
                    streamFailures.Record(context.AwsRequestId, fault.Status);
                }

                await WriteProblemAsync(response, fault, context);
                return;
            }

            await HttpResponseStreamPrelude.WriteAsync(response, 200, new Dictionary<string, string>
            {
                ["content-type"] = "text/event-stream; charset=utf-8",
                ["cache-control"] = "no-cache",
            }, cookies: null, ct);

            string? finishReason = null;
            TokenUsage? usage = null;
            try
            {
                while (more)
                {
                    var update = updates.Current;
                    if (!string.IsNullOrEmpty(update.Text))
                    {
                        await WriteEventAsync(response, "delta",
                            JsonSerializer.Serialize(new StreamDelta(update.Text), FunctionJsonContext.Default.StreamDelta), ct);
                    }

                    finishReason = update.FinishReason?.Value ?? finishReason;
                    usage = update.Contents.OfType<UsageContent>().Select(u => ToUsage(u.Details)).LastOrDefault() ?? usage;
                    more = await updates.MoveNextAsync();
                }

                BedrockFaultMapping.ThrowIfUnreadable(finishReason is null ? null : new ChatFinishReason(finishReason));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Headers are gone: the status cannot change any more, so the fault travels as the stream's last event.
                var fault = Describe(ex, context);
                streamFailures.Record(context.AwsRequestId, fault.Status);
                await WriteEventAsync(response, "error",
                    JsonSerializer.Serialize(fault.ToProblem(context.AwsRequestId), FunctionJsonContext.Default.ProblemDocument),
                    CancellationToken.None);
                return;
            }

            await WriteEventAsync(response, "done",
                JsonSerializer.Serialize(new StreamDone(finishReason, usage), FunctionJsonContext.Default.StreamDone), ct);
        }
        finally
        {
            await updates.DisposeAsync();
        }
    }

    private static HttpRequestEvent ReadEvent(ReadOnlyMemory<byte> payload)
    {
        try
        {
            return JsonSerializer.Deserialize(payload.Span, FunctionJsonContext.Default.HttpRequestEvent)
                ?? throw new InvalidChatRequestException("The invocation payload is empty.");
        }
        catch (JsonException)
        {
            throw new InvalidChatRequestException("The invocation payload is not an HTTP API (payload format 2.0) event.");
        }
    }

    private HttpFault Describe(Exception exception, LambdaContext context)
    {
        if (exception is InvalidChatRequestException invalid)
        {
            context.Logger.Log(LambdaLogLevel.Information, $"Rejected a chat request: {invalid.Message}");
            return new HttpFault(400, "Bad Request", invalid.Message);
        }

        var fault = BedrockFaultMapping.Map(exception, context.CancellationToken.IsCancellationRequested, settings.ModelId);
        context.Logger.Log(fault.Status >= 500 ? LambdaLogLevel.Error : LambdaLogLevel.Warning,
            $"The model call failed; answering {fault.Status}.", exception);
        return fault;
    }

    private static HttpResponseEvent FaultResponse(HttpFault fault, LambdaContext context)
    {
        var headers = new Dictionary<string, string> { ["content-type"] = "application/problem+json" };
        if (fault.RetryAfterSeconds is { } seconds)
        {
            headers["retry-after"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new HttpResponseEvent
        {
            StatusCode = fault.Status,
            Headers = headers,
            Body = JsonSerializer.Serialize(fault.ToProblem(context.AwsRequestId), FunctionJsonContext.Default.ProblemDocument),
        };
    }

    private static async Task WriteProblemAsync(LambdaResponseStream response, HttpFault fault, LambdaContext context)
    {
        var answer = FaultResponse(fault, context);
        await HttpResponseStreamPrelude.WriteAsync(response, answer.StatusCode, answer.Headers, cookies: null, CancellationToken.None);
        await response.WriteAsync(Encoding.UTF8.GetBytes(answer.Body), CancellationToken.None);
    }

    private static async Task WriteEventAsync(LambdaResponseStream response, string name, string json, CancellationToken ct) =>
        await response.WriteAsync(Encoding.UTF8.GetBytes($"event: {name}\ndata: {json}\n\n"), ct);

    private static TokenUsage? ToUsage(UsageDetails? usage) =>
        usage is null ? null : new TokenUsage(usage.InputTokenCount, usage.OutputTokenCount, usage.TotalTokenCount)
        {
            CacheReadInputTokens = usage.CachedInputTokenCount,
            CacheWriteInputTokens = usage.AdditionalCounts?.TryGetValue(BedrockChatClient.CacheWriteInputTokensCount, out var written) == true ? written : null,
        };
}
