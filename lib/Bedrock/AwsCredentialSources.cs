using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace ReferenceArchitectures.Bedrock;

/// <summary>Where signing credentials come from; the seam tests and other hosts replace.</summary>
public interface IAwsCredentialSource
{
    ValueTask<ImmutableCredentials> GetCredentialsAsync(CancellationToken ct);
}

/// <summary>Fixed credentials, e.g. for tests or for a caller that resolves credentials itself.</summary>
public sealed class StaticAwsCredentialSource(ImmutableCredentials credentials) : IAwsCredentialSource
{
    public StaticAwsCredentialSource(string accessKey, string secretKey, string? sessionToken = null)
        : this(new ImmutableCredentials(accessKey, secretKey, sessionToken))
    {
    }

    public ValueTask<ImmutableCredentials> GetCredentialsAsync(CancellationToken ct) => ValueTask.FromResult(credentials);
}

/// <summary>
/// AWSSDK.Core's default chain: environment variables (what Lambda sets), profile, web identity,
/// container and instance credentials.
/// </summary>
/// <remarks>
/// The chain is walked once and the provider it finds is kept. Providers for temporary credentials
/// (container, instance, web identity) derive from <see cref="RefreshingAWSCredentials"/>, which caches
/// until shortly before expiry and refreshes then, so asking it on every request costs nothing.
/// A failed walk is not cached, so a later call can succeed once credentials appear.
/// </remarks>
public sealed class DefaultAwsCredentialSource : IAwsCredentialSource, IDisposable
{
    private readonly DefaultAWSCredentialsIdentityResolver _resolver = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private AWSCredentials? _provider;

    public async ValueTask<ImmutableCredentials> GetCredentialsAsync(CancellationToken ct)
    {
        var provider = _provider ?? await ResolveProviderAsync(ct).ConfigureAwait(false);
        return await provider.GetCredentialsAsync().WaitAsync(ct).ConfigureAwait(false);
    }

    private async Task<AWSCredentials> ResolveProviderAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // The resolver accepts a null client config and then uses the process-wide defaults.
            return _provider ??= await _resolver.ResolveIdentityAsync(null!, ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _resolver.Dispose();
        _gate.Dispose();
    }
}
