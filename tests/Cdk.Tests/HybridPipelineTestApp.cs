using ReferenceArchitectures.Cdk.HybridPipeline;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>Synthesizes pattern 4 on its own with the given props, as ReferenceArchitectureApp builds it.</summary>
public static class HybridPipelineTestApp
{
    public static HybridPipelineStackProps DefaultProps() => new();

    public static SynthesizedStack Synthesize(HybridPipelineStackProps props, string? outdir = null, bool bundle = false)
    {
        outdir ??= Directory.CreateTempSubdirectory("cdk-hybrid-").FullName;
        var app = CdkTestApp.CreateApp(outdir, bundle: bundle);
        var stack = new HybridPipelineStack(app, HybridPipelineStack.ConstructId, props);
        app.Synth();
        return CdkTestApp.Read(outdir, stack.StackName);
    }
}

public sealed partial class SynthesizedAppFixture
{
    public SynthesizedStack HybridPipeline => Stacks[HybridPipelineStack.ConstructId];
}
