using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReferenceArchitectures.Tools.PipelineReplay;

/// <summary>Options of one replay run.</summary>
public sealed record ReplayOptions(string QueueUrl, string StateMachineArn, string TableName, bool DryRun);

/// <summary>The JSON the dead letters hold, parsed with no reflection.</summary>
internal static class Json
{
    public static JsonNode? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
