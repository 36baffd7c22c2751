using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using ReferenceArchitectures.Embeddings;
using ReferenceArchitectures.Testing.LocalAws;
using Xunit.Abstractions;

namespace ReferenceArchitectures.ModelServer.Tests;

/// <summary>
/// Builds the server once with <c>-p:OnnxRuntimeFlavor=Cuda</c> (Microsoft.ML.OnnxRuntime.Gpu.Linux) into its own
/// artifacts folder inside this project's output, so the build is incremental across runs and never touches the
/// projects' own bin/ and obj/. The first build copies about 320 MB of native libraries. This is the suite's only
/// slow part.
/// </summary>
public sealed class CudaBuildFixture : IAsyncLifetime
{
    public string ArtifactsPath { get; } = Path.Combine(AppContext.BaseDirectory, "cuda-build");

    public int ExitCode { get; private set; }

    public string BuildLog { get; private set; } = "";

    public TimeSpan Elapsed { get; private set; }

    /// <summary>The folder with the built server, or null when the build failed.</summary>
    public string? OutputFolder { get; private set; }

    public async Task InitializeAsync()
    {
        var project = Path.Combine(RepositoryRoot.Path, "containers", "ModelServer", "ReferenceArchitectures.ModelServer.csproj");
        var started = Stopwatch.StartNew();
        (ExitCode, BuildLog) = await ChildProcess.RunAsync(
            DotNet.Path, ["build", project, "-p:OnnxRuntimeFlavor=Cuda", "--artifacts-path", ArtifactsPath, "-nologo", "-v:q", "-nodeReuse:false", "--disable-build-servers"],
            RepositoryRoot.Path, new Dictionary<string, string?>(), TimeSpan.FromMinutes(15));
        Elapsed = started.Elapsed;
        // The artifacts layout: bin/<project>/<configuration>.
        var folder = Path.Combine(ArtifactsPath, "bin", "ReferenceArchitectures.ModelServer", "debug");
        OutputFolder = File.Exists(Path.Combine(folder, "ReferenceArchitectures.ModelServer.dll")) ? folder : null;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Whether this machine could run the CUDA provider: an NVIDIA device and CUDA 13's cuBLAS.</summary>
    public static bool GpuIsUsable =>
        File.Exists("/dev/nvidiactl") && NativeLibrary.TryLoad("libcublasLt.so.13", out var handle) && Free(handle);

    private static bool Free(IntPtr handle)
    {
        NativeLibrary.Free(handle);
        return true;
    }
}

/// <summary>The CUDA build restores and compiles, and behaves as the settings say where no GPU is usable.</summary>
[Trait("Category", "Slow")]
public sealed class CudaBuildTests(CudaBuildFixture build, ITestOutputHelper output) : IClassFixture<CudaBuildFixture>
{
    private string BuiltServer
    {
        get
        {
            Assert.True(build.ExitCode == 0 && build.OutputFolder is not null,
                $"dotnet build -p:OnnxRuntimeFlavor=Cuda failed (exit {build.ExitCode}); it needs the package Microsoft.ML.OnnxRuntime.Gpu.Linux 1.31.0 from the package source:\n{build.BuildLog}");
            return build.OutputFolder!;
        }
    }

    [Fact]
    public void The_cuda_build_compiles_with_onnx_runtimes_cuda_provider_library()
    {
        var folder = BuiltServer;
        output.WriteLine($"CUDA build: {build.Elapsed.TotalSeconds:F0} s, output in {folder}");

        var providers = Directory.EnumerateFiles(folder, "libonnxruntime_providers_cuda.so", SearchOption.AllDirectories).ToArray();
        var dependencies = File.ReadAllText(Path.Combine(folder, "ReferenceArchitectures.ModelServer.deps.json"));

        Assert.NotEmpty(providers);
        Assert.Contains("\"Microsoft.ML.OnnxRuntime.Gpu.Linux/1.31.0\"", dependencies, StringComparison.Ordinal);
        Assert.DoesNotContain("\"Microsoft.ML.OnnxRuntime/1.31.1\"", dependencies, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cuda_without_a_usable_gpu_stops_the_server_with_exit_code_1_and_says_why()
    {
        await using var server = await ServerProcess.StartAsync(BuiltServer, new Dictionary<string, string?> { ["Model__ExecutionProvider"] = "cuda" });

        if (CudaBuildFixture.GpuIsUsable)
        {
            Assert.Equal("cuda", (string?)(await server.WaitUntilReadyAsync())["execution_provider"]);
            return;
        }

        var exitCode = await server.WaitForExitAsync();

        Assert.Equal(1, exitCode);
        Assert.Contains("CUDA was requested, but no GPU is usable", server.Output, StringComparison.Ordinal);
        Assert.Contains("Model:AllowCpuFallback=true", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_fallback_allowed_the_cuda_build_serves_a_model_from_s3_on_the_cpu_and_warns()
    {
        await using var aws = await LocalAwsServer.StartAsync();
        aws.S3.CreateBucket("models");
        var artifacts = await EmbeddingModelSource.AllMiniLmL6V2.LoadAsync(CancellationToken.None);
        aws.S3.PutObject("models", "minilm/model.onnx", artifacts.ModelBytes!);
        aws.S3.PutObject("models", "minilm/vocab.txt", Encoding.UTF8.GetBytes(artifacts.VocabularyText));
        var cache = Directory.CreateTempSubdirectory("cuda-model-cache-");
        try
        {
            // The settings GpuInferenceStack gives the task, plus the SDK's standard variables for a local endpoint.
            await using var server = await ServerProcess.StartAsync(BuiltServer, new Dictionary<string, string?>
            {
                ["Model__Source"] = "s3",
                ["Model__S3Uri"] = "s3://models/minilm/",
                ["Model__ExecutionProvider"] = "cuda",
                ["Model__AllowCpuFallback"] = "true",
                ["Model__CacheDirectory"] = cache.FullName,
                ["AWS_ENDPOINT_URL_S3"] = aws.Endpoint.ToString(),
                ["AWS_ACCESS_KEY_ID"] = "test",
                ["AWS_SECRET_ACCESS_KEY"] = "test",
                ["AWS_REGION"] = "us-east-1",
            });

            var ready = await server.WaitUntilReadyAsync();
            using var response = await server.Client.PostAsJsonAsync("/v1/embeddings", new { input = "From S3, on whatever hardware there is." });

            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("minilm", (string?)ready["model"]);
            if (!CudaBuildFixture.GpuIsUsable)
            {
                Assert.Equal("cpu", (string?)ready["execution_provider"]);
                Assert.Contains("running on the CPU instead", server.Output, StringComparison.Ordinal);
            }

            Assert.Contains(aws.Requests, r => r.Operation == "GetObject");
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }
}

/// <summary>The built server as a child process on a free port of 127.0.0.1.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, Uri address)
    {
        _process = process;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Client { get; }

    /// <summary>Standard output and error so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static Task<ServerProcess> StartAsync(string folder, IDictionary<string, string?> environment)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(DotNet.Path)
        {
            WorkingDirectory = folder, // the content root, where appsettings.json is
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(folder, "ReferenceArchitectures.ModelServer.dll"));
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, line) => server.Append(line.Data);
        process.ErrorDataReceived += (_, line) => server.Append(line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return Task.FromResult(server);
    }

    public async Task<JsonObject> WaitUntilReadyAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)); // safety net on a loaded machine
        while (true)
        {
            Assert.False(_process.HasExited, $"the server exited with code {(_process.HasExited ? _process.ExitCode : 0)}:\n{Output}");
            try
            {
                using var response = await Client.GetAsync("/health/ready", timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    return (await response.Content.ReadFromJsonAsync<JsonObject>(timeout.Token))!;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                Assert.Fail($"the server was not ready within the safety timeout:\n{Output}");
            }

            await Task.Delay(200, timeout.Token);
        }
    }

    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)); // safety net
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
