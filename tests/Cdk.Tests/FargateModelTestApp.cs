using ReferenceArchitectures.Cdk.FargateModel;

namespace ReferenceArchitectures.Cdk.Tests;

public static partial class CdkTestApp
{
    /// <summary>Synthesizes only pattern 2 with the given props, for tests of one setting.</summary>
    public static SynthesizedStack SynthesizeFargateModel(FargateModelStackProps props, string? outdir = null)
    {
        outdir ??= Directory.CreateTempSubdirectory("cdk-test-").FullName;
        var app = CreateApp(outdir);
        var stack = new FargateModelStack(app, FargateModelStack.ConstructId, props);
        app.Synth();
        return Read(outdir, stack.StackName);
    }
}

public sealed partial class SynthesizedAppFixture
{
    public SynthesizedStack FargateModel => Stacks[FargateModelStack.ConstructId];
}
