using Amazon.CDK;
using ReferenceArchitectures.Cdk.Configuration;

namespace ReferenceArchitectures.Testing.StackTemplates;

/// <summary>
/// Synthesizes one stack in the test process, as <c>cdk synth</c> does with the repository's cdk.json context, except
/// that asset bundling is skipped (context <c>aws:cdk:bundling-stacks</c> = []): no Native AOT publish and no Docker;
/// assets are only staged. Callers keep the result (a <see cref="Lazy{T}"/> per stack), so that a test process
/// synthesizes each stack once.
/// </summary>
public static class StackSynthesis
{
    // The CDK's bridge to its Node.js process does not take two syntheses at once; test classes run in parallel.
    private static readonly Lock Gate = new();

    /// <param name="addStack">Adds the one stack to the app and returns it.</param>
    /// <returns>The stack's template JSON, as cdk.out holds it.</returns>
    public static string Template(Func<App, Stack> addStack)
    {
        ArgumentNullException.ThrowIfNull(addStack);
        lock (Gate)
        {
            var outdir = Directory.CreateTempSubdirectory("stack-synth-");
            try
            {
                var context = CdkJsonContext.Read();
                context["aws:cdk:bundling-stacks"] = Array.Empty<object>();
                var app = new App(new AppProps { Outdir = outdir.FullName, Context = context });
                var stack = addStack(app);
                app.Synth();
                return File.ReadAllText(Path.Combine(outdir.FullName, stack.StackName + ".template.json"));
            }
            finally
            {
                outdir.Delete(recursive: true);
            }
        }
    }
}
