using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ReferenceArchitectures.Documents.Tests;

/// <summary>
/// An <see cref="IChatClient"/> that answers with whatever the test scripts, shaped as BedrockChatClient shapes a
/// Converse answer: tool input as JsonElement arguments of a <see cref="FunctionCallContent"/>, usage, model id.
/// </summary>
internal sealed class ScriptedChatClient(Func<ScriptedChatClient.Request, CancellationToken, Task<ChatResponse>> answer) : IChatClient
{
    public sealed record Request(int Number, IReadOnlyList<ChatMessage> Messages, ChatOptions? Options)
    {
        public string Prompt => string.Join("\n", Messages.Where(m => m.Role == ChatRole.User).Select(m => m.Text));
    }

    private int _calls;

    public ConcurrentQueue<Request> Requests { get; } = new();

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = new Request(Interlocked.Increment(ref _calls), [.. messages], options);
        Requests.Enqueue(request);
        return await answer(request, cancellationToken);
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The analyzer does not stream.");

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }

    public static ChatResponse ToolCall(string toolName, string inputJson, long inputTokens = 100, long outputTokens = 20, string model = "test-model")
    {
        using var input = JsonDocument.Parse(inputJson);
        var arguments = input.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone(), StringComparer.Ordinal);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(Guid.NewGuid().ToString("N"), toolName, arguments)]))
        {
            ModelId = model,
            Usage = new UsageDetails { InputTokenCount = inputTokens, OutputTokenCount = outputTokens },
            FinishReason = ChatFinishReason.ToolCalls,
        };
    }

    public static ChatResponse Analysis(string category, double confidence = 0.9, string summary = "A summary.", string entities = "[]", long inputTokens = 100, long outputTokens = 20) =>
        ToolCall(
            DocumentAnalyzer.AnalysisToolName,
            $$"""{"category":{{JsonSerializer.Serialize(category)}},"confidence":{{confidence.ToString(System.Globalization.CultureInfo.InvariantCulture)}},"entities":{{entities}},"summary":{{JsonSerializer.Serialize(summary)}}}""",
            inputTokens,
            outputTokens);

    public static ChatResponse Summary(string summary, long inputTokens = 50, long outputTokens = 10) =>
        ToolCall(DocumentAnalyzer.SummaryToolName, $$"""{"summary":{{JsonSerializer.Serialize(summary)}}}""", inputTokens, outputTokens);
}
