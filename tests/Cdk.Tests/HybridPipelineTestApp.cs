using ReferenceArchitectures.Cdk.HybridPipeline;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>Synthesizes pattern 4 on its own with the given props, as ReferenceArchitectureApp builds it.</summary>
public static class HybridPipelineTestApp
{
    public static HybridPipelineStackProps DefaultProps() => new();

    public static SynthesizedStack Synthesize(HybridPipelineStackProps props, string? outdir = null)
    {
        outdir ??= Directory.CreateTempSubdirectory("cdk-hybrid-").FullName;
        var app = CdkTestApp.CreateApp(outdir);
        var stack = new HybridPipelineStack(app, ReferenceArchitectureApp.HybridPipelineStackId, props);
        app.Synth();
        return CdkTestApp.Read(outdir, stack.StackName);
    }
}

/// <summary>Pattern 4 with its default props, synthesized once per test class.</summary>
public sealed class HybridPipelineFixture : IDisposable
{
    private readonly DirectoryInfo outdir = Directory.CreateTempSubdirectory("cdk-hybrid-");

    public HybridPipelineFixture()
    {
        Stack = HybridPipelineTestApp.Synthesize(HybridPipelineTestApp.DefaultProps(), outdir.FullName);
    }

    public SynthesizedStack Stack { get; }

    public void Dispose() => outdir.Delete(recursive: true);
}

public sealed partial class SynthesizedAppFixture
{
    public SynthesizedStack HybridPipeline => Stacks[ReferenceArchitectureApp.HybridPipelineStackId];
}
