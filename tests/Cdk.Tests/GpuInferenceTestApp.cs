using ReferenceArchitectures.Cdk.GpuInference;

namespace ReferenceArchitectures.Cdk.Tests;

public static partial class CdkTestApp
{
    /// <summary>Synthesizes only pattern 3 with the given props, for tests of one setting.</summary>
    public static SynthesizedStack SynthesizeGpuInference(GpuInferenceStackProps props, string? outdir = null)
    {
        outdir ??= Directory.CreateTempSubdirectory("cdk-test-").FullName;
        var app = CreateApp(outdir);
        var stack = new GpuInferenceStack(app, GpuInferenceStack.ConstructId, props);
        app.Synth();
        return Read(outdir, stack.StackName);
    }
}

public sealed partial class SynthesizedAppFixture
{
    public SynthesizedStack GpuInference => Stacks[GpuInferenceStack.ConstructId];
}
