using ReferenceArchitectures.Cdk.LambdaModel;

namespace ReferenceArchitectures.Cdk.Tests;

public static partial class CdkTestApp
{
    /// <summary>Synthesizes only the Lambda-hosted model with the given props, for tests of one setting.</summary>
    public static SynthesizedStack SynthesizeLambdaModel(LambdaModelStackProps props, string? outdir = null, bool bundle = false)
    {
        outdir ??= Directory.CreateTempSubdirectory("cdk-test-").FullName;
        var app = CreateApp(outdir, bundle: bundle);
        var stack = new LambdaModelStack(app, LambdaModelStack.ConstructId, props);
        app.Synth();
        return Read(outdir, stack.StackName);
    }
}

public sealed partial class SynthesizedAppFixture
{
    public SynthesizedStack LambdaModel => Stacks[LambdaModelStack.ConstructId];
}
