using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace ReferenceArchitectures.ModelServer.Tests;

/// <summary>The real server on Kestrel, on a free port of 127.0.0.1, with the given settings.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RunningServer(WebApplication app, Uri address, LogCapture logs, IReadOnlyList<string> configuredAddresses)
    {
        _app = app;
        Address = address;
        Logs = logs;
        ConfiguredAddresses = configuredAddresses;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
    }

    /// <summary>Where the tests reach the server.</summary>
    public Uri Address { get; }

    /// <summary>
    /// The addresses the server's own configuration asks for (<c>http://*:8080</c> from <c>ASPNETCORE_HTTP_PORTS</c>);
    /// for a server started as a container, these are inside the container and <see cref="Address"/> publishes them.
    /// Empty when nothing configures one (Kestrel would then listen on its default, http://localhost:5000).
    /// </summary>
    public IReadOnlyList<string> ConfiguredAddresses { get; }

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
        return await ReadyAsync(new RunningServer(app, address, logs, [address.ToString()]), waitUntilReady);
    }

    /// <summary>
    /// Starts the server as a container runtime would start its image: <paramref name="environment"/> is the container's
    /// environment, read the way ASP.NET Core reads environment variables, and <paramref name="command"/> its arguments.
    /// The address the server configures itself is published on a free port of 127.0.0.1, as <c>docker run -p</c>
    /// publishes a container port, so that servers configured with the same port run side by side.
    /// </summary>
    /// <param name="overrides">Configuration keys set on top of the environment (<c>Model:ExecutionProvider</c>).</param>
    public static async Task<RunningServer> StartAsContainerAsync(
        IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> command, IDictionary<string, string?>? overrides = null, bool waitUntilReady = true)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(command);
        var logs = new LogCapture();
        var app = ModelServerApplication.Create([.. command], builder =>
        {
            builder.Configuration.AddInMemoryCollection(EnvironmentConfiguration(environment));
            builder.Configuration.AddInMemoryCollection(overrides ?? new Dictionary<string, string?>());
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
            PublishedPortServer.Replace(builder.Services);
        });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var published = (PublishedPortServer)app.Services.GetRequiredService<IServer>();
        var address = new Uri(published.Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        return await ReadyAsync(new RunningServer(app, address, logs, published.ConfiguredAddresses), waitUntilReady);
    }

    /// <summary>
    /// The configuration ASP.NET Core's environment-variable providers make of <paramref name="environment"/>: every
    /// variable with <c>__</c> read as the section separator, and the ones prefixed <c>ASPNETCORE_</c> or <c>DOTNET_</c>
    /// also as host settings without their prefix (<c>ASPNETCORE_HTTP_PORTS</c> is <c>HTTP_PORTS</c>).
    /// </summary>
    public static Dictionary<string, string?> EnvironmentConfiguration(IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var configuration = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in environment)
        {
            configuration[name.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] = value;
        }

        foreach (var prefix in new[] { "DOTNET_", "ASPNETCORE_" })
        {
            foreach (var (name, value) in environment.Where(v => v.Key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
            {
                configuration[name[prefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] = value;
            }
        }

        return configuration;
    }

    private static async Task<RunningServer> ReadyAsync(RunningServer server, bool waitUntilReady)
    {
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
