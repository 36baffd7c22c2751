using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ReferenceArchitectures.Bedrock;

// The IChatClient face: maps Microsoft.Extensions.AI's chat model onto Converse and back.
public sealed partial class BedrockChatClient
{
    /// <summary>The model produced output Bedrock could not parse (stopReason <c>malformed_model_output</c>).</summary>
    public static ChatFinishReason MalformedModelOutput { get; } = new(StopReasons.MalformedModelOutput);

    /// <summary>The model asked for a tool with input Bedrock could not parse (stopReason <c>malformed_tool_use</c>).</summary>
    public static ChatFinishReason MalformedToolUse { get; } = new(StopReasons.MalformedToolUse);

    /// <summary>
    /// The key in <see cref="UsageDetails.AdditionalCounts"/> for tokens written to the prompt cache; tokens read from
    /// it are <see cref="UsageDetails.CachedInputTokenCount"/>.
    /// </summary>
    public const string CacheWriteInputTokensCount = "CacheWriteInputTokens";

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = ChatMapping.ToConverseRequest(messages, options);
        var modelId = options?.ModelId ?? _options.ModelId;
        var response = await ConverseAsync(request, modelId, cancellationToken).ConfigureAwait(false);
        return ChatMapping.ToChatResponse(response, modelId, _time.GetUtcNow());
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = ChatMapping.ToConverseRequest(messages, options);
        var modelId = options?.ModelId ?? _options.ModelId;
        var responseId = Guid.NewGuid().ToString("N");
        var toolCalls = new Dictionary<int, (ToolUseBlockStart Start, StringBuilder Input)>();
        ChatFinishReason? finishReason = null;
        UsageDetails? usage = null;

        await foreach (var streamEvent in ConverseStreamAsync(request, modelId, cancellationToken).ConfigureAwait(false))
        {
            switch (streamEvent)
            {
                case ContentBlockStartEvent { Start.ToolUse: { } toolUse } start:
                    toolCalls[start.ContentBlockIndex] = (toolUse, new StringBuilder());
                    break;
                case ContentBlockDeltaEvent { Delta.Text: { Length: > 0 } text }:
                    yield return Update(new TextContent(text), streamEvent);
                    break;
                case ContentBlockDeltaEvent { Delta.ToolUse: { } toolDelta } delta when toolCalls.TryGetValue(delta.ContentBlockIndex, out var call):
                    call.Input.Append(toolDelta.Input);
                    break;
                case ContentBlockStopEvent stop when toolCalls.Remove(stop.ContentBlockIndex, out var call):
                    var input = ChatMapping.ParseToolInput(call.Input.Length == 0 ? "{}" : call.Input.ToString());
                    yield return Update(new FunctionCallContent(call.Start.ToolUseId, call.Start.Name, ChatMapping.ToArguments(input)), streamEvent);
                    break;
                case MessageStopEvent messageStop:
                    finishReason = ChatMapping.ToFinishReason(messageStop.StopReason);
                    break;
                case MetadataEvent { Usage: { } tokens }:
                    usage = ChatMapping.ToUsage(tokens);
                    break;
            }
        }

        var final = new ChatResponseUpdate(ChatRole.Assistant, usage is null ? [] : [new UsageContent(usage)])
        {
            FinishReason = finishReason,
            ModelId = modelId,
            ResponseId = responseId,
            MessageId = responseId,
            CreatedAt = _time.GetUtcNow(),
        };
        yield return final;

        ChatResponseUpdate Update(AIContent content, ConverseStreamEvent raw) => new(ChatRole.Assistant, [content])
        {
            ModelId = modelId,
            ResponseId = responseId,
            MessageId = responseId,
            RawRepresentation = raw,
        };
    }
}

internal static class ChatMapping
{
    public static ConverseRequest ToConverseRequest(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var system = new List<SystemContentBlock>();
        if (!string.IsNullOrWhiteSpace(options?.Instructions))
        {
            system.Add(new SystemContentBlock(options.Instructions));
        }

        // Converse wants user and assistant turns to alternate, so consecutive messages of one role are merged; tool
        // results travel in a user turn.
        var turns = new List<(string Role, List<ContentBlock> Blocks)>();
        foreach (var message in messages)
        {
            if (message.Role == ChatRole.System)
            {
                system.AddRange(message.Contents.OfType<TextContent>().Where(t => !string.IsNullOrWhiteSpace(t.Text)).Select(t => new SystemContentBlock(t.Text)));
                continue;
            }

            var role = message.Role == ChatRole.Assistant ? ConversationRole.Assistant
                : message.Role == ChatRole.User || message.Role == ChatRole.Tool ? ConversationRole.User
                : throw new NotSupportedException($"Bedrock Converse has no counterpart for chat role \"{message.Role}\".");
            var blocks = message.Contents.Select(ToContentBlock).OfType<ContentBlock>().ToList();
            if (blocks.Count == 0)
            {
                continue;
            }

            if (turns.Count > 0 && turns[^1].Role == role)
            {
                turns[^1].Blocks.AddRange(blocks);
            }
            else
            {
                turns.Add((role, blocks));
            }
        }

        if (turns.Count == 0)
        {
            throw new ArgumentException("The conversation has no user or assistant message with content Bedrock can take.", nameof(messages));
        }

        return new ConverseRequest
        {
            Messages = [.. turns.Select(t => new Message(t.Role, t.Blocks))],
            System = system.Count > 0 ? system : null,
            InferenceConfig = ToInferenceConfig(options),
            ToolConfig = ToToolConfig(options, ToolNamesInHistory(turns.SelectMany(t => t.Blocks))),
        };
    }

    /// <summary>The tools the conversation's earlier calls name; results carry only an id, so their calls' names stand for them.</summary>
    private static List<string> ToolNamesInHistory(IEnumerable<ContentBlock> blocks)
    {
        var names = new List<string>();
        var hasResults = false;
        foreach (var block in blocks)
        {
            if (block.ToolUse is { } use && !names.Contains(use.Name, StringComparer.Ordinal))
            {
                names.Add(use.Name);
            }

            hasResults |= block.ToolResult is not null;
        }

        // A result whose call is not in the messages still needs a toolConfig with at least one tool.
        if (names.Count == 0 && hasResults)
        {
            names.Add(HistoryOnlyToolName);
        }

        return names;
    }

    private static ContentBlock? ToContentBlock(AIContent content) =>
        content switch
        {
            // Bedrock rejects whitespace-only text as blank ("The text field in the ContentBlock object ... is blank").
            TextContent text when !string.IsNullOrWhiteSpace(text.Text) => ContentBlock.FromText(text.Text),
            TextContent or UsageContent or TextReasoningContent => null,
            FunctionCallContent call => new ContentBlock { ToolUse = new ToolUseBlock(call.CallId, call.Name, ToJson(call.Arguments)) },
            FunctionResultContent result => new ContentBlock { ToolResult = ToToolResult(result) },
            _ => throw new NotSupportedException($"BedrockChatClient cannot send {content.GetType().Name} content to Converse; only text, function calls and function results are mapped."),
        };

    private static JsonElement ToJson(IDictionary<string, object?>? arguments)
    {
        if (arguments is null)
        {
            return JsonDocument.Parse("{}").RootElement.Clone();
        }

        var typeInfo = AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>));
        return JsonSerializer.SerializeToElement(arguments, typeInfo);
    }

    private static ToolResultBlock ToToolResult(FunctionResultContent result)
    {
        if (result.Exception is { } exception)
        {
            return new ToolResultBlock(result.CallId, [new ToolResultContentBlock { Text = exception.Message }]) { Status = "error" };
        }

        ToolResultContentBlock block = result.Result switch
        {
            string text => new() { Text = text },
            JsonElement { ValueKind: JsonValueKind.Object } json => new() { Json = json },
            JsonElement json => new() { Text = json.GetRawText() },
            null => new() { Text = "null" },
            var other => FromObject(other),
        };
        return new ToolResultBlock(result.CallId, [block]);

        // Only objects go as "json": several models accept nothing else there, so other values travel as their JSON text.
        static ToolResultContentBlock FromObject(object value)
        {
            JsonElement json;
            try
            {
                json = JsonSerializer.SerializeToElement(value, AIJsonUtilities.DefaultOptions.GetTypeInfo(value.GetType()));
            }
            catch (NotSupportedException)
            {
                // Under Native AOT only types with generated metadata serialise; a tool returning anything else is sent as text.
                return new() { Text = value.ToString() ?? "" };
            }

            return json.ValueKind == JsonValueKind.Object ? new() { Json = json } : new() { Text = json.GetRawText() };
        }
    }

    private static InferenceConfiguration? ToInferenceConfig(ChatOptions? options)
    {
        if (options is null || (options.MaxOutputTokens is null && options.Temperature is null && options.TopP is null && options.StopSequences is not { Count: > 0 }))
        {
            return null;
        }

        return new InferenceConfiguration
        {
            MaxTokens = options.MaxOutputTokens,
            Temperature = options.Temperature,
            TopP = options.TopP,
            StopSequences = options.StopSequences is { Count: > 0 } stops ? [.. stops] : null,
        };
    }

    /// <remarks>
    /// Converse has no "none" tool choice, so <see cref="ChatToolMode.None"/> sends none of the caller's tools.
    /// Bedrock rejects a conversation holding toolUse or toolResult blocks unless toolConfig is defined ("The toolConfig
    /// field must be defined when using toolUse and toolResult content blocks"), and toolConfig needs at least one tool
    /// (Bedrock API reference, ToolConfiguration: tools, minimum 1 item). So every tool named in the history that is not
    /// offered is declared with an open object schema, which lets Bedrock read the history.
    /// </remarks>
    private static ToolConfiguration? ToToolConfig(ChatOptions? options, List<string> historyToolNames)
    {
        var offered = options?.Tools is { Count: > 0 } tools && options.ToolMode is not NoneChatToolMode
            ? tools.OfType<AIFunctionDeclaration>().ToList()
            : [];
        var specs = offered
            .Select(f => new Tool(new ToolSpecification(f.Name, new ToolInputSchema(f.JsonSchema))
            {
                Description = string.IsNullOrWhiteSpace(f.Description) ? null : f.Description,
            }))
            .ToList();
        specs.AddRange(historyToolNames
            .Where(name => !offered.Any(f => string.Equals(f.Name, name, StringComparison.Ordinal)))
            .Select(name => new Tool(new ToolSpecification(name, new ToolInputSchema(OpenObjectSchema))
            {
                Description = "Declared because earlier turns of this conversation call it.",
            })));
        if (specs.Count == 0)
        {
            return null;
        }

        if (offered.Count == 0)
        {
            // Only history tools: no tool choice, as the caller offered none.
            return new ToolConfiguration(specs);
        }

        var choice = options!.ToolMode switch
        {
            RequiredChatToolMode { RequiredFunctionName: { } name } => ToolChoice.Named(name),
            RequiredChatToolMode => ToolChoice.AnyChoice,
            AutoChatToolMode => ToolChoice.AutoChoice,
            _ => null,
        };
        return new ToolConfiguration(specs) { ToolChoice = choice };
    }

    private const string HistoryOnlyToolName = "earlier_tool";

    private static readonly JsonElement OpenObjectSchema = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone();

    public static ChatResponse ToChatResponse(ConverseResponse response, string modelId, DateTimeOffset createdAt)
    {
        var contents = new List<AIContent>();
        foreach (var block in response.Output.Message?.Content ?? [])
        {
            if (block.Text is { } text)
            {
                contents.Add(new TextContent(text) { RawRepresentation = block });
            }
            else if (block.ToolUse is { } toolUse)
            {
                contents.Add(new FunctionCallContent(toolUse.ToolUseId, toolUse.Name, ToArguments(toolUse.Input)) { RawRepresentation = block });
            }
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, contents))
        {
            ModelId = modelId,
            ResponseId = response.RequestId,
            FinishReason = ToFinishReason(response.StopReason),
            Usage = response.Usage is { } usage ? ToUsage(usage) : null,
            CreatedAt = createdAt,
            RawRepresentation = response,
        };
    }

    public static ChatFinishReason ToFinishReason(string stopReason) =>
        stopReason switch
        {
            StopReasons.EndTurn or StopReasons.StopSequence => ChatFinishReason.Stop,
            // The conversation filled the model's context window: output was cut short, as with max_tokens.
            StopReasons.MaxTokens or StopReasons.ModelContextWindowExceeded => ChatFinishReason.Length,
            StopReasons.MalformedModelOutput => BedrockChatClient.MalformedModelOutput,
            StopReasons.MalformedToolUse => BedrockChatClient.MalformedToolUse,
            StopReasons.ToolUse => ChatFinishReason.ToolCalls,
            StopReasons.GuardrailIntervened or StopReasons.ContentFiltered => ChatFinishReason.ContentFilter,
            _ => new ChatFinishReason(stopReason),
        };

    public static UsageDetails ToUsage(TokenUsage usage) => new()
    {
        InputTokenCount = usage.InputTokens,
        OutputTokenCount = usage.OutputTokens,
        TotalTokenCount = usage.TotalTokens,
        CachedInputTokenCount = usage.CacheReadInputTokens,
        AdditionalCounts = usage.CacheWriteInputTokens is { } written
            ? new AdditionalPropertiesDictionary<long> { [BedrockChatClient.CacheWriteInputTokensCount] = written }
            : null,
    };

    public static JsonElement ParseToolInput(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new BedrockEventStreamException($"The streamed tool input is not JSON: {ex.Message}", ex);
        }
    }

    public static Dictionary<string, object?> ToArguments(JsonElement input)
    {
        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (input.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in input.EnumerateObject())
            {
                arguments[property.Name] = property.Value.Clone();
            }
        }

        return arguments;
    }
}
