using System.Net;

namespace ReferenceArchitectures.Testing.LocalBedrock;

/// <summary>
/// What the local endpoint does with one request. Queue behaviours with <see cref="LocalBedrockServer.Enqueue"/>;
/// with nothing queued the server echoes the last user message.
/// </summary>
public abstract record Behaviour
{
    /// <summary>Replies with the text of the last user message (streamed one word per delta).</summary>
    public static Behaviour Echo { get; } = new ReplyBehaviour(Reply.EchoLastUserMessage);

    /// <summary>Replies with fixed text.</summary>
    public static Behaviour Text(string text, string stopReason = "end_turn") =>
        new ReplyBehaviour(_ => new Reply([ReplyBlock.OfText(text)], stopReason));

    /// <summary>Replies with text computed from the request.</summary>
    public static Behaviour TextFrom(Func<RecordedRequest, string> compose, string stopReason = "end_turn") =>
        new ReplyBehaviour(request => new Reply([ReplyBlock.OfText(compose(request))], stopReason));

    /// <summary>Asks for a tool call, optionally after some text; stop reason <c>tool_use</c>.</summary>
    public static Behaviour ToolUse(string toolName, string inputJson, string toolUseId = "tooluse_local_1", string? leadingText = null) =>
        new ReplyBehaviour(_ => new Reply(
            [.. leadingText is null ? [] : new[] { ReplyBlock.OfText(leadingText) }, ReplyBlock.OfToolUse(toolUseId, toolName, inputJson)],
            "tool_use"));

    /// <summary>Answers with an HTTP error: the status, <c>x-amzn-ErrorType</c> and a JSON <c>{"message"}</c> body.</summary>
    public static Behaviour HttpError(HttpStatusCode status, string errorType, string message) => new HttpErrorBehaviour(status, errorType, message);

    /// <summary>
    /// An HTTP error without the <c>x-amzn-ErrorType</c> header, the type only in the body's <c>__type</c> member
    /// (or <c>code</c>), as AWS JSON protocols may send it.
    /// </summary>
    public static Behaviour HttpErrorTypedInBody(HttpStatusCode status, string errorType, string message, string member = "__type") =>
        new HttpErrorBehaviour(status, errorType, message) { TypeInBodyMember = member };

    /// <summary>Replies with fixed text and reports prompt-cache reads and writes in the usage.</summary>
    public static Behaviour CachedText(string text, int cacheReadInputTokens, int cacheWriteInputTokens) =>
        new ReplyBehaviour(_ => new Reply([ReplyBlock.OfText(text)], "end_turn")
        {
            CacheReadInputTokens = cacheReadInputTokens,
            CacheWriteInputTokens = cacheWriteInputTokens,
        });

    public static Behaviour Throttling() => HttpError(HttpStatusCode.TooManyRequests, "ThrottlingException", "Too many requests, please wait before trying again.");
    public static Behaviour ModelNotReady() => HttpError(HttpStatusCode.TooManyRequests, "ModelNotReadyException", "Model is not ready to serve inference requests.");
    public static Behaviour AccessDenied() => HttpError(HttpStatusCode.Forbidden, "AccessDeniedException", "You don't have access to the model with the specified model ID.");
    public static Behaviour ResourceNotFound() => HttpError(HttpStatusCode.NotFound, "ResourceNotFoundException", "The specified model was not found.");
    public static Behaviour Validation(string message = "Malformed input request.") => HttpError(HttpStatusCode.BadRequest, "ValidationException", message);
    public static Behaviour InternalServerError() => HttpError(HttpStatusCode.InternalServerError, "InternalServerException", "An internal server error occurred.");
    public static Behaviour ServiceUnavailable() => HttpError(HttpStatusCode.ServiceUnavailable, "ServiceUnavailableException", "The service is unavailable.");
    public static Behaviour ModelTimeout() => HttpError(HttpStatusCode.RequestTimeout, "ModelTimeoutException", "The model took too long to respond.");

    /// <summary>
    /// For ConverseStream: sends the first <paramref name="afterEvents"/> events of <paramref name="reply"/> (default: echo),
    /// then an exception frame of type <paramref name="exceptionType"/> (lower camel case, e.g. <c>throttlingException</c>).
    /// For Converse the same exception is an HTTP error.
    /// </summary>
    public static Behaviour StreamException(string exceptionType, int afterEvents, string message = "The stream failed.", Behaviour? reply = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(exceptionType);
        ArgumentOutOfRangeException.ThrowIfNegative(afterEvents);
        var replyBehaviour = (reply ?? Echo) as ReplyBehaviour
            ?? throw new ArgumentException("The reply before a stream exception must be a reply behaviour (Echo, Text, TextFrom or ToolUse).", nameof(reply));
        return new StreamExceptionBehaviour(exceptionType, afterEvents, message, replyBehaviour);
    }

    /// <summary>A reply composed from the request, e.g. a tool call that answers the tool the request asked for.</summary>
    public static Behaviour From(Func<RecordedRequest, Reply> compose) => new ReplyBehaviour(compose);

    /// <summary>Waits (until the client gives up) before behaving like <paramref name="then"/>.</summary>
    public static Behaviour Delay(TimeSpan delay, Behaviour? then = null) => new DelayBehaviour(_ => delay, then ?? Echo);

    /// <summary>
    /// Waits for a time computed from the request (until the client gives up) before behaving like
    /// <paramref name="then"/>: a stand-in for a model whose latency grows with its input.
    /// </summary>
    public static Behaviour Delay(Func<RecordedRequest, TimeSpan> delay, Behaviour? then = null)
    {
        ArgumentNullException.ThrowIfNull(delay);
        return new DelayBehaviour(delay, then ?? Echo);
    }
}

internal sealed record ReplyBehaviour(Func<RecordedRequest, Reply> Compose) : Behaviour;

internal sealed record HttpErrorBehaviour(HttpStatusCode Status, string ErrorType, string Message) : Behaviour
{
    /// <summary>When set, the type goes in this body member instead of the x-amzn-ErrorType header.</summary>
    public string? TypeInBodyMember { get; init; }
}

internal sealed record StreamExceptionBehaviour(string ExceptionType, int AfterEvents, string Message, ReplyBehaviour Reply) : Behaviour;

internal sealed record DelayBehaviour(Func<RecordedRequest, TimeSpan> Duration, Behaviour Then) : Behaviour;

/// <summary>One content block of a scripted reply: text, or a tool call with JSON input.</summary>
public sealed record ReplyBlock(string? Text, string? ToolUseId, string? ToolName, string? ToolInputJson)
{
    public static ReplyBlock OfText(string text) => new(text, null, null, null);
    public static ReplyBlock OfToolUse(string toolUseId, string name, string inputJson) => new(null, toolUseId, name, inputJson);
}

/// <summary>A scripted model answer, before it is rendered as Converse JSON or ConverseStream events.</summary>
public sealed record Reply(IReadOnlyList<ReplyBlock> Blocks, string StopReason)
{
    /// <summary>TokenUsage.cacheReadInputTokens; omitted when null.</summary>
    public int? CacheReadInputTokens { get; init; }

    /// <summary>TokenUsage.cacheWriteInputTokens; omitted when null.</summary>
    public int? CacheWriteInputTokens { get; init; }

    internal static Reply EchoLastUserMessage(RecordedRequest request) =>
        new([ReplyBlock.OfText(request.LastUserText ?? "(no text)")], "end_turn");
}
