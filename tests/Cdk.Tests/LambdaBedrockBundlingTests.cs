using ReferenceArchitectures.Cdk.Constructs;
using ReferenceArchitectures.Cdk.LambdaBedrock;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>Pattern 1's function really compiled with Native AOT, once; a second synthesis reuses that build.</summary>
[Trait("Category", "Slow")]
public sealed class LambdaBedrockBundlingTests
{
    [Fact]
    public void Synthesis_builds_the_function_as_a_native_x64_bootstrap_and_a_second_synthesis_reuses_it()
    {
        var first = Directory.CreateTempSubdirectory("cdk-bundling-").FullName;
        var second = Directory.CreateTempSubdirectory("cdk-bundling-again-").FullName;
        try
        {
            var stack = CdkTestApp.SynthesizeLambdaBedrock(new LambdaBedrockStackProps(), bundle: true, outdir: first);
            var built = NativeAotAsset.AssertBootstrapFor(first, stack);
            var buildsBefore = DotNetAotCode.BuildHistory.Count;

            var again = CdkTestApp.SynthesizeLambdaBedrock(new LambdaBedrockStackProps(), bundle: true, outdir: second);

            // Same inputs, same asset: the second synthesis, into a folder of its own, copies the first build.
            var reused = NativeAotAsset.AssertBootstrapFor(second, again);
            Assert.Equal(Path.GetFileName(built), Path.GetFileName(reused));
            var record = Assert.Single(DotNetAotCode.BuildHistory.Skip(buildsBefore));
            Assert.True(record.Reused, "the second synthesis ran dotnet publish again");
            Assert.Equal(File.ReadAllBytes(Path.Combine(built, "bootstrap")), File.ReadAllBytes(Path.Combine(reused, "bootstrap")));
        }
        finally
        {
            Directory.Delete(first, recursive: true);
            Directory.Delete(second, recursive: true);
        }
    }
}
