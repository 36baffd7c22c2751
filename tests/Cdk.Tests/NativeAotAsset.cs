using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>
/// What a function's code asset must be for <c>provided.al2023</c> to start it: an executable ELF file named
/// <c>bootstrap</c> for the function's CPU, linked against no glibc newer than Amazon Linux 2023's 2.34
/// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html, https://docs.aws.amazon.com/linux/al2023/ug/compare-with-al2.html).
/// </summary>
public static partial class NativeAotAsset
{
    private const ushort X86_64 = 62;

    /// <summary>The staged code asset that every function of the stack runs, checked, and its folder.</summary>
    public static string AssertBootstrapFor(string outdir, SynthesizedStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var code = new TemplateQuery(stack.Json).OfType("AWS::Lambda::Function").Values
            .Where(function => (string?)function["Properties"]!["Runtime"] == "provided.al2023")
            .Select(function => TemplateQuery.Render(function["Properties"]!["Code"]!["S3Key"]))
            .Distinct()
            .ToList();
        var key = Assert.Single(code);
        var assetDirectory = Path.Combine(outdir, "asset." + Path.GetFileNameWithoutExtension(key));
        Assert.True(Directory.Exists(assetDirectory), $"the functions' code {key} was not staged in {outdir}");
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
        Assert.Equal(X86_64, BitConverter.ToUInt16(header, 18));
        Assert.Empty(Directory.GetFiles(assetDirectory, "*.dbg", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(assetDirectory, "*.pdb", SearchOption.AllDirectories));

        var required = RequiredGlibcVersions(bootstrap);
        Assert.NotEmpty(required);
        Assert.All(required, version => Assert.True(version <= new Version(2, 34), $"bootstrap needs GLIBC_{version}, newer than Amazon Linux 2023's 2.34"));
        return assetDirectory;
    }

    /// <summary>The glibc symbol versions an ELF binary or shared library needs (objdump -T).</summary>
    public static List<Version> RequiredGlibcVersions(string binary)
    {
        var start = new ProcessStartInfo("objdump", ["-T", binary]) { RedirectStandardOutput = true };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("objdump (Debian package binutils) is needed to read the binary's glibc symbol versions.", ex);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return GlibcVersion().Matches(output).Select(m => Version.Parse(m.Groups[1].Value)).Distinct().ToList();
        }
    }

    [GeneratedRegex(@"GLIBC_(\d+\.\d+(?:\.\d+)?)")]
    private static partial Regex GlibcVersion();
}
