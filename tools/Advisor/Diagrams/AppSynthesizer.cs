using System.Text.Json;
using Amazon.CDK;
using ReferenceArchitectures.Cdk;

namespace ReferenceArchitectures.Tools.Advisor.Diagrams;

/// <summary>Synthesizes the CDK app in-process, as Program.cs does with cdk.json's context, but without bundling assets.</summary>
public static class AppSynthesizer
{
    /// <returns>Each stack's construct id (LambdaBedrockStack, ...) and template JSON, in the order the app creates them.</returns>
    public static IReadOnlyList<(string StackName, string TemplateJson)> Synthesize()
    {
        var outdir = Directory.CreateTempSubdirectory("pattern-advisor-synth-");
        try
        {
            var context = ReferenceArchitectures.Cdk.Configuration.CdkJsonContext.Read();
            // No `dotnet publish` or Docker build for a diagram: assets are left unbundled.
            context["aws:cdk:bundling-stacks"] = Array.Empty<object>();
            var app = new App(new AppProps { Outdir = outdir.FullName, Context = context });
            var stacks = ReferenceArchitectureApp.Build(app);
            app.Synth();
            return stacks
                .Select(stack => (stack.Node.Id, File.ReadAllText(Path.Combine(outdir.FullName, stack.TemplateFile))))
                .ToList();
        }
        finally
        {
            outdir.Delete(recursive: true);
        }
    }
}
