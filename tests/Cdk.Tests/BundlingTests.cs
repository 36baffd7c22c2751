using ReferenceArchitectures.Cdk.LambdaBedrock;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>The one test that really compiles the function: it takes a minute or two.</summary>
public sealed class BundlingTests
{
    [Fact]
    public void Synthesis_builds_the_function_as_a_native_x64_bootstrap_without_symbols()
    {
        var outdir = Directory.CreateTempSubdirectory("cdk-bundling-").FullName;
        try
        {
            var stack = CdkTestApp.SynthesizeLambdaBedrock(new LambdaBedrockStackProps(), bundle: true, outdir: outdir);

            var assetDirectory = Assert.Single(Directory.GetDirectories(outdir, "asset.*"));
            var bootstrap = Path.Combine(assetDirectory, "bootstrap");
            Assert.True(File.Exists(bootstrap), $"no bootstrap in {assetDirectory}");
            Assert.True(OperatingSystem.IsWindows() || (File.GetUnixFileMode(bootstrap) & UnixFileMode.UserExecute) != 0, "bootstrap is not executable");
            var header = new byte[20];
            using (var file = File.OpenRead(bootstrap))
            {
                file.ReadExactly(header);
            }

            Assert.Equal("\u007fELF"u8.ToArray(), header[..4]);
            Assert.Equal(2, header[4]); // ELFCLASS64
            Assert.Equal(62, BitConverter.ToUInt16(header, 18)); // EM_X86_64
            Assert.Empty(Directory.GetFiles(assetDirectory, "*.dbg", SearchOption.AllDirectories));
            Assert.Empty(Directory.GetFiles(assetDirectory, "*.pdb", SearchOption.AllDirectories));
            Assert.Contains(Path.GetFileName(assetDirectory)["asset.".Length..], stack.Json, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(outdir, recursive: true);
        }
    }
}
