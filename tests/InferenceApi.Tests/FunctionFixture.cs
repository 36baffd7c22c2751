using ReferenceArchitectures.Testing.LocalBedrock;
using ReferenceArchitectures.Testing.LocalRuntimeApi;
using ReferenceArchitectures.Testing.StackTemplates;

namespace ReferenceArchitectures.InferenceApi.Tests;

/// <summary>
/// One local Bedrock endpoint and the template's two functions as processes (the one behind the HTTP API's route and
/// the one behind the Function URL), started once and shared by every test class in <see cref="StartedFunctions"/>.
/// </summary>
public sealed class FunctionFixture : IAsyncLifetime
{
    public LocalBedrockServer Bedrock { get; private set; } = null!;
    public FunctionProcess Converse { get; private set; } = null!;
    public FunctionProcess ConverseStream { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Bedrock = await LocalBedrockServer.StartAsync(region: StackTemplate.Region);
        Converse = await FunctionProcess.StartAsync(LambdaBedrockTemplate.Default.ApiFunction, Bedrock);
        ConverseStream = await FunctionProcess.StartAsync(LambdaBedrockTemplate.Default.StreamFunction, Bedrock);
    }

    public async Task<HttpAnswer> ChatAsync(byte[] payload, TimeSpan? timeout = null) =>
        HttpAnswer.FromBuffered(await InvokeAsync(Converse, payload, timeout));

    public async Task<HttpAnswer> StreamAsync(byte[] payload, TimeSpan? timeout = null) =>
        HttpAnswer.FromStreamed(await InvokeAsync(ConverseStream, payload, timeout));

    /// <param name="timeout">The invocation's deadline; by default the function's timeout in the template, as in Lambda.</param>
    /// <exception cref="InvalidOperationException">The function reported an init error instead of taking the invocation.</exception>
    public static async Task<InvocationResult> InvokeAsync(FunctionProcess function, byte[] payload, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        try
        {
            // A function that failed its init never asks for the invocation; say why at once instead of at the deadline.
            var invocation = function.RuntimeApi.InvokeAsync(payload, timeout ?? function.Function.Timeout);
            if (await Task.WhenAny(invocation, function.RuntimeApi.InitError) != invocation)
            {
                var report = await function.RuntimeApi.InitError;
                throw new InvalidOperationException($"{function.Function.Name} failed its init ({report.ErrorType}): {report.Body}");
            }

            return await invocation;
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
