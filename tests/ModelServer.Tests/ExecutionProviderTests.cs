using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ReferenceArchitectures.Embeddings;

namespace ReferenceArchitectures.ModelServer.Tests;

/// <summary>
/// Execution-provider selection with the build the tests run (the CPU build of ONNX Runtime). The CUDA build's own
/// behaviour on a machine without a usable GPU is checked by <see cref="CudaBuildTests"/>. Slow: each test starts a
/// server that loads the model.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ExecutionProviderTests
{
    [Fact]
    public async Task The_cpu_provider_serves_and_readiness_says_so()
    {
        await using var server = await RunningServer.StartAsync(new Dictionary<string, string?> { ["Model:ExecutionProvider"] = "cpu" });

        var ready = await server.Client.GetFromJsonAsync<JsonObject>("/health/ready");

        Assert.Equal("cpu", (string?)ready!["execution_provider"]);
        Assert.Equal(ExecutionProvider.Cpu, server.Services.GetRequiredService<EmbeddingModelHost>().Engine.ExecutionProvider);
    }

    [Fact]
    public async Task Cuda_in_the_cpu_build_stops_the_server_saying_how_to_build_for_cuda()
    {
        await using var server = await RunningServer.StartAsync(new Dictionary<string, string?> { ["Model:ExecutionProvider"] = "cuda" }, waitUntilReady: false);

        var error = await Assert.ThrowsAsync<ExecutionProviderUnavailableException>(server.WhenModelReadyAsync);

        Assert.Contains("this build has no CUDA execution provider", error.Message, StringComparison.Ordinal);
        Assert.Contains("-p:OnnxRuntimeFlavor=Cuda", error.Message, StringComparison.Ordinal);
        Assert.True(server.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested, "the server kept running without its model");
        var critical = Assert.Single(server.Logs.AtLeast(LogLevel.Critical));
        Assert.Contains("CUDA was requested", critical.Message, StringComparison.Ordinal);
        Assert.Contains("Model:AllowCpuFallback=true", critical.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cuda_with_cpu_fallback_allowed_runs_on_the_cpu_and_warns()
    {
        await using var server = await RunningServer.StartAsync(new Dictionary<string, string?>
        {
            ["Model:ExecutionProvider"] = "cuda",
            ["Model:AllowCpuFallback"] = "true",
        });

        var ready = await server.Client.GetFromJsonAsync<JsonObject>("/health/ready");
        using var response = await server.Client.PostAsJsonAsync("/v1/embeddings", new { input = "still served" });

        Assert.Equal("cpu", (string?)ready!["execution_provider"]);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}");
        var warning = Assert.Single(server.Logs.AtLeast(LogLevel.Warning));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("running on the CPU instead", warning.Message, StringComparison.Ordinal);
        Assert.Contains("no CUDA execution provider", warning.Message, StringComparison.Ordinal);
    }
}
