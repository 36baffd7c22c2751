namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>Pattern 4's functions really compiled with Native AOT (PdfPig, OpenXml and the AWS SDK included), once.</summary>
[Trait("Category", "Slow")]
public sealed class HybridPipelineBundlingTests
{
    [Fact]
    public void Synthesis_builds_the_pipeline_functions_as_a_native_x64_bootstrap()
    {
        var outdir = Directory.CreateTempSubdirectory("cdk-bundling-").FullName;
        try
        {
            var stack = HybridPipelineTestApp.Synthesize(HybridPipelineTestApp.DefaultProps(), outdir, bundle: true);

            NativeAotAsset.AssertBootstrapFor(outdir, stack);
        }
        finally
        {
            Directory.Delete(outdir, recursive: true);
        }
    }
}
