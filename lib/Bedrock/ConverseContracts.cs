using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReferenceArchitectures.Bedrock;

// Wire contracts of the Bedrock Runtime Converse and ConverseStream APIs (Bedrock API reference, "Converse",
// "ConverseStream" and their data types). Property names serialise in camel case; null members are omitted,
// which is how the API's unions (exactly one member set) are written.

/// <summary>The body of <c>POST /model/{modelId}/converse</c> and <c>/converse-stream</c>.</summary>
public sealed record ConverseRequest
{
    public required IReadOnlyList<Message> Messages { get; init; }
    public IReadOnlyList<SystemContentBlock>? System { get; init; }
    public InferenceConfiguration? InferenceConfig { get; init; }
    public ToolConfiguration? ToolConfig { get; init; }
    public GuardrailConfiguration? GuardrailConfig { get; init; }
}

/// <summary>Values of <see cref="Message.Role"/>.</summary>
public static class ConversationRole
{
    public const string User = "user";
    public const string Assistant = "assistant";
}

public sealed record Message(string Role, IReadOnlyList<ContentBlock> Content);

/// <summary>A union: exactly one member is set.</summary>
public sealed record ContentBlock
{
    public string? Text { get; init; }
    public ToolUseBlock? ToolUse { get; init; }
    public ToolResultBlock? ToolResult { get; init; }

    public static ContentBlock FromText(string text) => new() { Text = text };
}

public sealed record ToolUseBlock(string ToolUseId, string Name, JsonElement Input);

public sealed record ToolResultBlock(string ToolUseId, IReadOnlyList<ToolResultContentBlock> Content)
{
    /// <summary><c>success</c> or <c>error</c>; omitted means success.</summary>
    public string? Status { get; init; }
}

/// <summary>A union: <see cref="Text"/> or <see cref="Json"/>.</summary>
public sealed record ToolResultContentBlock
{
    public string? Text { get; init; }
    public JsonElement? Json { get; init; }
}

public sealed record SystemContentBlock(string Text);

public sealed record InferenceConfiguration
{
    public int? MaxTokens { get; init; }
    public float? Temperature { get; init; }
    public float? TopP { get; init; }
    public IReadOnlyList<string>? StopSequences { get; init; }
}

public sealed record ToolConfiguration(IReadOnlyList<Tool> Tools)
{
    public ToolChoice? ToolChoice { get; init; }
}

public sealed record Tool(ToolSpecification ToolSpec);

public sealed record ToolSpecification(string Name, ToolInputSchema InputSchema)
{
    public string? Description { get; init; }
}

public sealed record ToolInputSchema(JsonElement Json);

/// <summary>A union: <c>{"auto":{}}</c>, <c>{"any":{}}</c> or <c>{"tool":{"name":…}}</c>.</summary>
public sealed record ToolChoice
{
    public EmptyObject? Auto { get; init; }
    public EmptyObject? Any { get; init; }
    public SpecificToolChoice? Tool { get; init; }

    public static ToolChoice AutoChoice { get; } = new() { Auto = new EmptyObject() };
    public static ToolChoice AnyChoice { get; } = new() { Any = new EmptyObject() };

    public static ToolChoice Named(string name) => new() { Tool = new SpecificToolChoice(name) };
}

/// <summary>Serialises as <c>{}</c>; union members that carry no data.</summary>
public sealed record EmptyObject;

public sealed record SpecificToolChoice(string Name);

public sealed record GuardrailConfiguration(string GuardrailIdentifier, string GuardrailVersion)
{
    /// <summary><c>enabled</c> or <c>disabled</c>.</summary>
    public string? Trace { get; init; }
}

/// <summary>The body of a successful Converse response.</summary>
public sealed record ConverseResponse
{
    public required ConverseOutput Output { get; init; }

    /// <summary>See <see cref="StopReasons"/>.</summary>
    public required string StopReason { get; init; }

    public TokenUsage? Usage { get; init; }
    public ConverseMetrics? Metrics { get; init; }

    /// <summary>The <c>x-amzn-RequestId</c> response header; not part of the JSON body.</summary>
    [JsonIgnore]
    public string? RequestId { get; init; }
}

public sealed record ConverseOutput
{
    public Message? Message { get; init; }
}

/// <summary>Values of <c>stopReason</c>.</summary>
public static class StopReasons
{
    public const string EndTurn = "end_turn";
    public const string ToolUse = "tool_use";
    public const string MaxTokens = "max_tokens";
    public const string StopSequence = "stop_sequence";
    public const string GuardrailIntervened = "guardrail_intervened";
    public const string ContentFiltered = "content_filtered";
    public const string MalformedModelOutput = "malformed_model_output";
    public const string MalformedToolUse = "malformed_tool_use";
    public const string ModelContextWindowExceeded = "model_context_window_exceeded";
}

/// <summary>Token counts; the two cache members are present only when the request used prompt caching (Bedrock API reference, TokenUsage).</summary>
public sealed record TokenUsage(int InputTokens, int OutputTokens, int TotalTokens)
{
    public int? CacheReadInputTokens { get; init; }
    public int? CacheWriteInputTokens { get; init; }
}

public sealed record ConverseMetrics(long LatencyMs);

/// <summary>One event of a ConverseStream response; the subtype says which (the frame's <c>:event-type</c>).</summary>
public abstract record ConverseStreamEvent;

/// <summary><c>messageStart</c>.</summary>
public sealed record MessageStartEvent(string Role) : ConverseStreamEvent;

/// <summary><c>contentBlockStart</c>: sent before a tool-use block, naming the tool.</summary>
public sealed record ContentBlockStartEvent(int ContentBlockIndex, ContentBlockStart Start) : ConverseStreamEvent;

public sealed record ContentBlockStart
{
    public ToolUseBlockStart? ToolUse { get; init; }
}

public sealed record ToolUseBlockStart(string ToolUseId, string Name);

/// <summary><c>contentBlockDelta</c>: a piece of text, or a piece of a tool's JSON input.</summary>
public sealed record ContentBlockDeltaEvent(int ContentBlockIndex, ContentBlockDelta Delta) : ConverseStreamEvent;

public sealed record ContentBlockDelta
{
    public string? Text { get; init; }
    public ToolUseBlockDelta? ToolUse { get; init; }
}

public sealed record ToolUseBlockDelta(string Input);

/// <summary><c>contentBlockStop</c>.</summary>
public sealed record ContentBlockStopEvent(int ContentBlockIndex) : ConverseStreamEvent;

/// <summary><c>messageStop</c>.</summary>
public sealed record MessageStopEvent(string StopReason) : ConverseStreamEvent;

/// <summary><c>metadata</c>: the last event, with token counts.</summary>
public sealed record MetadataEvent : ConverseStreamEvent
{
    public TokenUsage? Usage { get; init; }
    public ConverseMetrics? Metrics { get; init; }
}

/// <summary>An event type this client does not know; kept so that new service features do not break callers.</summary>
public sealed record UnknownStreamEvent(string EventType, JsonElement Payload) : ConverseStreamEvent;

/// <summary>Body of an error response or an exception frame.</summary>
internal sealed record ErrorBody
{
    public string? Message { get; init; }

    /// <summary>The error type, when the x-amzn-ErrorType header is missing; may carry a namespace before '#'.</summary>
    [JsonPropertyName("__type")]
    public string? Type { get; init; }

    /// <summary>The error type under another name some AWS JSON responses use.</summary>
    public string? Code { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(ConverseRequest))]
[JsonSerializable(typeof(ConverseResponse))]
[JsonSerializable(typeof(MessageStartEvent))]
[JsonSerializable(typeof(ContentBlockStartEvent))]
[JsonSerializable(typeof(ContentBlockDeltaEvent))]
[JsonSerializable(typeof(ContentBlockStopEvent))]
[JsonSerializable(typeof(MessageStopEvent))]
[JsonSerializable(typeof(MetadataEvent))]
[JsonSerializable(typeof(ErrorBody))]
internal sealed partial class BedrockJsonContext : JsonSerializerContext;
