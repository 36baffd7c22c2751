using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReferenceArchitectures.Testing.LocalBedrock;

/// <summary>
/// A stand-in for the model behind the local Bedrock endpoint: it answers the tool the request requires with input
/// that fits the tool's own JSON schema, derived from the request's text, so the real analyzer's validation passes.
/// Shared by the pipeline's local runs and its benchmark.
/// </summary>
public static class LocalAnalysisModel
{
    public static Behaviour Behaviour { get; } = LocalBedrock.Behaviour.From(Answer);

    /// <summary>An answer whose category is not among the allowed ones: the analyzer must reject it.</summary>
    public static Behaviour OffSchema { get; } = LocalBedrock.Behaviour.From(request =>
        new Reply([ReplyBlock.OfToolUse("tooluse_off", ToolName(request.Body!.Value), """{"category":"poetry","confidence":0.5,"entities":[],"summary":"?"}""")], "tool_use"));

    /// <summary>The reply <see cref="Behaviour"/> gives, for composing it with other behaviours.</summary>
    public static Reply Answer(RecordedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = request.Body ?? throw new InvalidOperationException("The request has no JSON body.");
        var tool = ToolName(body);
        var text = request.LastUserText ?? "";
        var summary = text.Length <= 160 ? text : text[..160];
        JsonObject input = tool == "record_document_summary"
            ? new JsonObject { ["summary"] = "A summary of the summaries: " + summary }
            : new JsonObject
            {
                ["category"] = PickCategory(body, text),
                ["confidence"] = 0.9,
                ["entities"] = text.Contains("Karrow", StringComparison.Ordinal)
                    ? new JsonArray(new JsonObject { ["name"] = "Karrow", ["type"] = "location" })
                    : new JsonArray(),
                ["summary"] = summary,
            };
        return new Reply([ReplyBlock.OfToolUse("tooluse_" + Guid.NewGuid().ToString("N")[..8], tool, input.ToJsonString())], "tool_use");
    }

    private static string ToolName(JsonElement body)
    {
        var config = body.GetProperty("toolConfig");
        if (config.TryGetProperty("toolChoice", out var choice) && choice.TryGetProperty("tool", out var named))
        {
            return named.GetProperty("name").GetString()!;
        }

        return config.GetProperty("tools")[0].GetProperty("toolSpec").GetProperty("name").GetString()!;
    }

    // The first allowed category the text mentions, else the last one (by convention "other").
    private static string PickCategory(JsonElement body, string text)
    {
        var allowed = body.GetProperty("toolConfig").GetProperty("tools").EnumerateArray()
            .Select(t => t.GetProperty("toolSpec").GetProperty("inputSchema").GetProperty("json"))
            .Where(schema => schema.GetProperty("properties").TryGetProperty("category", out _))
            .SelectMany(schema => schema.GetProperty("properties").GetProperty("category").GetProperty("enum").EnumerateArray())
            .Select(value => value.GetString()!)
            .ToList();
        return allowed.FirstOrDefault(c => text.Contains(c, StringComparison.OrdinalIgnoreCase)) ?? allowed[^1];
    }
}
