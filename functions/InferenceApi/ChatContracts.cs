using System.Text.Json.Serialization;
using ReferenceArchitectures.LambdaRuntime;

namespace ReferenceArchitectures.Functions.InferenceApi;

/// <summary>The answer of <c>POST /v1/chat</c>.</summary>
public sealed record ChatReply
{
    [JsonPropertyName("message")] public required ChatReplyMessage Message { get; init; }
    [JsonPropertyName("finishReason")] public string? FinishReason { get; init; }
    [JsonPropertyName("usage")] public TokenUsage? Usage { get; init; }
    [JsonPropertyName("modelId")] public string? ModelId { get; init; }
}

public sealed record ChatReplyMessage(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content")] string Content);

public sealed record TokenUsage(
    [property: JsonPropertyName("inputTokens")] long? InputTokens,
    [property: JsonPropertyName("outputTokens")] long? OutputTokens,
    [property: JsonPropertyName("totalTokens")] long? TotalTokens)
{
    /// <summary>Prompt-cache tokens, as Bedrock's TokenUsage names them; omitted when the call used no cache.</summary>
    [JsonPropertyName("cacheReadInputTokens")] public long? CacheReadInputTokens { get; init; }
    [JsonPropertyName("cacheWriteInputTokens")] public long? CacheWriteInputTokens { get; init; }
}

/// <summary>One server-sent event's data for a text delta.</summary>
public sealed record StreamDelta([property: JsonPropertyName("text")] string Text);

/// <summary>The last server-sent event of a stream.</summary>
public sealed record StreamDone(
    [property: JsonPropertyName("finishReason")] string? FinishReason,
    [property: JsonPropertyName("usage")] TokenUsage? Usage);

/// <summary>An RFC 9457 problem document, with the Lambda request id so an operator can find the logs.</summary>
public sealed record ProblemDocument
{
    [JsonPropertyName("type")] public string Type { get; init; } = "about:blank";
    [JsonPropertyName("title")] public required string Title { get; init; }
    [JsonPropertyName("status")] public required int Status { get; init; }
    [JsonPropertyName("detail")] public required string Detail { get; init; }
    [JsonPropertyName("requestId")] public string? RequestId { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HttpRequestEvent))]
[JsonSerializable(typeof(HttpResponseEvent))]
[JsonSerializable(typeof(ChatReply))]
[JsonSerializable(typeof(StreamDelta))]
[JsonSerializable(typeof(StreamDone))]
[JsonSerializable(typeof(ProblemDocument))]
internal sealed partial class FunctionJsonContext : JsonSerializerContext;
