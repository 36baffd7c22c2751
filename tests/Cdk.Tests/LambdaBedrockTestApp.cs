using ReferenceArchitectures.Cdk.LambdaBedrock;

namespace ReferenceArchitectures.Cdk.Tests;

public static partial class CdkTestApp
{
    /// <summary>Synthesizes only pattern 1 with the given props, for tests of one setting.</summary>
    public static SynthesizedStack SynthesizeLambdaBedrock(LambdaBedrockStackProps props, bool bundle = false, string? outdir = null)
    {
        outdir ??= Directory.CreateTempSubdirectory("cdk-test-").FullName;
        var app = CreateApp(outdir, bundle: bundle);
        var stack = new LambdaBedrockStack(app, LambdaBedrockStack.ConstructId, props);
        app.Synth();
        return Read(outdir, stack.StackName);
    }
}

public sealed partial class SynthesizedAppFixture
{
    public SynthesizedStack LambdaBedrock => Stacks[LambdaBedrockStack.ConstructId];
}
