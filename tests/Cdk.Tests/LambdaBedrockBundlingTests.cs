using ReferenceArchitectures.Cdk.LambdaBedrock;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>The one test that really compiles the function: it takes a minute or two.</summary>
public sealed class LambdaBedrockBundlingTests
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

            // provided.al2023 has glibc 2.34; a binary that needs a newer symbol version would not start there.
            var required = RequiredGlibcVersions(bootstrap);
            Assert.NotEmpty(required);
            Assert.All(required, version => Assert.True(version <= new Version(2, 34), $"bootstrap needs GLIBC_{version}, newer than Amazon Linux 2023's 2.34"));
        }
        finally
        {
            Directory.Delete(outdir, recursive: true);
        }
    }

    private static List<Version> RequiredGlibcVersions(string binary)
    {
        var start = new System.Diagnostics.ProcessStartInfo("objdump", ["-T", binary]) { RedirectStandardOutput = true };
        System.Diagnostics.Process process;
        try
        {
            process = System.Diagnostics.Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("objdump (Debian package binutils) is needed to read the binary's glibc symbol versions.", ex);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return System.Text.RegularExpressions.Regex.Matches(output, @"GLIBC_(\d+\.\d+(?:\.\d+)?)")
                .Select(m => Version.Parse(m.Groups[1].Value))
                .Distinct()
                .ToList();
        }
    }
}
