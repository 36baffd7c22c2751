using System.Text.Json;
using Amazon.CDK;
using ReferenceArchitectures.Cdk;

namespace ReferenceArchitectures.Tools.Advisor.Diagrams;

/// <summary>Synthesizes the CDK app in-process, as Program.cs does with cdk.json's context, but without bundling assets.</summary>
public static class AppSynthesizer
{
    /// <returns>Each stack's name and template JSON, in the order the app creates them.</returns>
    public static IReadOnlyList<(string StackName, string TemplateJson)> Synthesize()
    {
        var outdir = Directory.CreateTempSubdirectory("pattern-advisor-synth-");
        try
        {
            var context = CdkJsonContext();
            // No `dotnet publish` or Docker build for a diagram: assets are left unbundled.
            context["aws:cdk:bundling-stacks"] = Array.Empty<object>();
            var app = new App(new AppProps { Outdir = outdir.FullName, Context = context });
            var stacks = ReferenceArchitectureApp.Build(app);
            app.Synth();
            return stacks.All
                .Select(stack => (stack.StackName, File.ReadAllText(Path.Combine(outdir.FullName, stack.StackName + ".template.json"))))
                .ToList();
        }
        finally
        {
            outdir.Delete(recursive: true);
        }
    }

    private static Dictionary<string, object> CdkJsonContext()
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
