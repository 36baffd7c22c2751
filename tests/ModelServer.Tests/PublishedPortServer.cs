using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ReferenceArchitectures.ModelServer.Tests;

/// <summary>
/// Kestrel with its addresses published the way a container runtime publishes a container port
/// (<c>docker run -p 127.0.0.1:0:8080</c>): the host computes the addresses from the server's own configuration
/// (<c>ASPNETCORE_HTTP_PORTS=8080</c> becomes <c>http://*:8080</c>), which this records as the addresses inside the
/// container, and Kestrel then listens on a free port of 127.0.0.1 instead. In awsvpc mode every task has an address of
/// its own, so two tasks on port 8080 never meet; on one test machine they would, and so would anything else on 8080.
/// </summary>
public sealed class PublishedPortServer(IServer kestrel) : IServer
{
    /// <summary>What the server's configuration asked to listen on; empty when nothing did.</summary>
    public IReadOnlyList<string> ConfiguredAddresses { get; private set; } = [];

    public IFeatureCollection Features => kestrel.Features;

    /// <summary>Puts a <see cref="PublishedPortServer"/> around the server <paramref name="services"/> registers.</summary>
    public static void Replace(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var registered = services.Last(d => d.ServiceType == typeof(IServer));
        services.Remove(registered);
        services.AddSingleton<IServer>(provider => new PublishedPortServer(registered switch
        {
            { ImplementationInstance: IServer instance } => instance,
            { ImplementationFactory: { } factory } => (IServer)factory(provider),
            _ => (IServer)ActivatorUtilities.CreateInstance(provider, registered.ImplementationType!),
        }));
    }

    public async Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull
    {
        var addresses = kestrel.Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        ConfiguredAddresses = [.. addresses];
        addresses.Clear();
        addresses.Add("http://127.0.0.1:0");
        await kestrel.StartAsync(application, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => kestrel.StopAsync(cancellationToken);

    public void Dispose() => kestrel.Dispose();
}
