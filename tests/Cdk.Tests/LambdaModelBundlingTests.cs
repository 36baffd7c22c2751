using ReferenceArchitectures.Cdk.LambdaModel;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>
/// Pattern 5's function really compiled with Native AOT as <c>cdk deploy</c> would stage it: a bootstrap for
/// provided.al2023, ONNX Runtime's native library beside it and the model in the package, within Lambda's zip limit.
/// </summary>
[Trait("Category", "Slow")]
public sealed class LambdaModelBundlingTests
{
    /// <summary>
    /// "Deployment package (.zip file archive) size: 250 MB (unzipped), including layers"
    /// (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), which Lambda counts as 262,144,000 bytes
    /// ("Unzipped size must be smaller than 262144000 bytes").
    /// </summary>
    private const long LambdaMaxUnzippedBytes = 262_144_000;

    [Fact]
    public void Synthesis_stages_a_native_bootstrap_with_onnx_runtime_and_the_model_within_lambdas_250_MB()
    {
        var outdir = Directory.CreateTempSubdirectory("cdk-bundling-model-").FullName;
        try
        {
            var stack = CdkTestApp.SynthesizeLambdaModel(new LambdaModelStackProps(), outdir, bundle: true);

            var asset = NativeAotAsset.AssertBootstrapFor(outdir, stack);

            // ONNX Runtime is loaded by the bootstrap at init, from beside it: it must be there and run on Amazon Linux
            // 2023's glibc (2.34), as the bootstrap must (https://docs.aws.amazon.com/linux/al2023/ug/compare-with-al2.html).
            var onnxRuntime = Path.Combine(asset, "libonnxruntime.so");
            Assert.True(File.Exists(onnxRuntime), $"no libonnxruntime.so in {asset}");
            var required = NativeAotAsset.RequiredGlibcVersions(onnxRuntime);
            Assert.NotEmpty(required);
            Assert.All(required, version => Assert.True(version <= new Version(2, 34), $"libonnxruntime.so needs GLIBC_{version}, newer than Amazon Linux 2023's 2.34"));
            var model = Directory.GetFiles(Path.Combine(asset, "models"), "*.dll", SearchOption.AllDirectories);
            Assert.Contains(model, path => new FileInfo(path).Length > 80_000_000);
            var unzipped = Directory.GetFiles(asset, "*", SearchOption.AllDirectories).Sum(path => new FileInfo(path).Length);
            Assert.InRange(unzipped, 1, LambdaMaxUnzippedBytes);
        }
        finally
        {
            Directory.Delete(outdir, recursive: true);
        }
    }
}
