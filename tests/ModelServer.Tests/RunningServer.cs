using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ReferenceArchitectures.ModelServer.Tests;

/// <summary>The real server on Kestrel, on a free port of 127.0.0.1, with the given settings.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RunningServer(WebApplication app, Uri address, LogCapture logs)
    {
        _app = app;
        Address = address;
        Logs = logs;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Every log line the server wrote.</summary>
    public LogCapture Logs { get; }

    /// <summary>Completes when the model is ready; throws what stopped it from loading.</summary>
    public async Task<Embeddings.EmbeddingEngine> WhenModelReadyAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)); // safety net on a loaded machine
        return await _app.Services.GetRequiredService<EmbeddingModelHost>().WhenReadyAsync(timeout.Token);
    }

    /// <param name="settings">Configuration keys such as <c>Model:Source</c>.</param>
    /// <param name="waitUntilReady">Wait for the model; a load failure then throws.</param>
    /// <param name="services">Registrations made before the server's own (which do not replace them).</param>
    public static async Task<RunningServer> StartAsync(
        IDictionary<string, string?>? settings = null, bool waitUntilReady = true, Action<IServiceCollection>? services = null)
    {
        var logs = new LogCapture();
        var app = ModelServerApplication.Create(["--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
            services?.Invoke(builder.Services);
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        var server = new RunningServer(app, address, logs);
        if (waitUntilReady)
        {
            try
            {
                await server.WhenModelReadyAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One server with default settings for the tests of a class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public RunningServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RunningServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
