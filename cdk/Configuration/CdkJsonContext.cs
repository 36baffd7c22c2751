using System.Text.Json;

namespace ReferenceArchitectures.Cdk.Configuration;

/// <summary>
/// The <c>context</c> block of the repository's cdk.json (the feature flags `cdk init` writes), as values an
/// <c>App</c> accepts. The CLI passes it to `cdk synth`; programs that build the app in-process (the tests, the
/// diagram generator) pass it themselves, so that they synthesize what the CLI would.
/// </summary>
public static class CdkJsonContext
{
    public static Dictionary<string, object> Read()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepositoryLayout.PathFromRoot("cdk.json")));
        var context = new Dictionary<string, object>(StringComparer.Ordinal);
        if (document.RootElement.TryGetProperty("context", out var values))
        {
            foreach (var property in values.EnumerateObject())
            {
                context[property.Name] = ToClr(property.Value);
            }
        }

        return context;
    }

    private static object ToClr(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.Array => value.EnumerateArray().Select(ToClr).ToArray(),
        JsonValueKind.Object => value.EnumerateObject().ToDictionary(property => property.Name, property => ToClr(property.Value)),
        _ => value.GetString() ?? string.Empty,
    };
}
