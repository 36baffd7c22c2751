using ReferenceArchitectures.Testing.LocalBedrock;
using ReferenceArchitectures.Testing.LocalRuntimeApi;

namespace ReferenceArchitectures.InferenceApi.Tests;

/// <summary>One local Bedrock endpoint and the two handlers' processes, started once and shared by every test class in <see cref="StartedFunctions"/>.</summary>
public sealed class FunctionFixture : IAsyncLifetime
{
    public LocalBedrockServer Bedrock { get; private set; } = null!;
    public FunctionProcess Converse { get; private set; } = null!;
    public FunctionProcess ConverseStream { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Bedrock = await LocalBedrockServer.StartAsync();
        Converse = await FunctionProcess.StartAsync("converse", Bedrock);
        ConverseStream = await FunctionProcess.StartAsync("converse-stream", Bedrock);
    }

    public async Task<HttpAnswer> ChatAsync(byte[] payload, TimeSpan? timeout = null) =>
        HttpAnswer.FromBuffered(await InvokeAsync(Converse, payload, timeout));

    public async Task<HttpAnswer> StreamAsync(byte[] payload, TimeSpan? timeout = null) =>
        HttpAnswer.FromStreamed(await InvokeAsync(ConverseStream, payload, timeout));

    public static async Task<InvocationResult> InvokeAsync(FunctionProcess function, byte[] payload, TimeSpan? timeout = null)
    {
        try
        {
            return await function.RuntimeApi.InvokeAsync(payload, timeout ?? TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(
                $"{ex.Message}\nfunction stdout:\n{string.Join('\n', function.StandardOutput)}\nstderr:\n{string.Join('\n', function.StandardError)}", ex);
        }
    }

    public async Task DisposeAsync()
    {
        await Converse.DisposeAsync();
        await ConverseStream.DisposeAsync();
        await Bedrock.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class StartedFunctions : ICollectionFixture<FunctionFixture>
{
    public const string Name = "started functions";
}
