using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReferenceArchitectures.Functions.EmbeddingsApi;
using ReferenceArchitectures.ModelServer;

namespace ReferenceArchitectures.EmbeddingsFunction.Tests;

[CollectionDefinition(Name)]
public sealed class Parity : ICollectionFixture<ParityFixture>
{
    public const string Name = "function and server";
}

/// <summary>
/// The function as the template configures it, and the model server (pattern 2) on Kestrel with the same input limits:
/// the two hosts of one API, each asked the same questions.
/// </summary>
public sealed class ParityFixture : IAsyncLifetime
{
    private WebApplication _server = null!;

    public FunctionProcess Function { get; private set; } = null!;

    public HttpClient Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Function = await FunctionProcess.StartAsync(LambdaModelTemplate.Function);
        var variables = LambdaModelTemplate.Function.Environment;
        _server = ModelServerApplication.Create(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ModelServer:MaxInputsPerRequest"] = variables[EmbeddingsFunctionContract.MaxInputsPerRequestVariable],
                ["ModelServer:MaxCharactersPerInput"] = variables[EmbeddingsFunctionContract.MaxCharactersPerInputVariable],
            });
            builder.Logging.ClearProviders();
        });
        await _server.StartAsync();
        var address = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await _server.Services.GetRequiredService<EmbeddingModelHost>().WhenReadyAsync(timeout.Token);
        Server = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(2) };
    }

    public async Task DisposeAsync()
    {
        Server.Dispose();
        await _server.DisposeAsync();
        await Function.DisposeAsync();
    }
}
