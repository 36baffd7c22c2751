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
        // The template file is named by the artifact id, which is the stack name only when no name is given.
        return Read(outdir, stack.ArtifactId);
    }
}

public sealed partial class SynthesizedAppFixture
{
    public SynthesizedStack GpuInference => Stacks[GpuInferenceStack.ConstructId];
}
