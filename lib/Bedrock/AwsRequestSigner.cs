using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;

namespace ReferenceArchitectures.Bedrock;

/// <summary>
/// Signs an <see cref="HttpRequestMessage"/> with AWS Signature Version 4 (header form), for Bedrock and any
/// other AWS HTTP endpoint (Lambda Function URLs with IAM auth, API Gateway with IAM auth).
/// </summary>
/// <remarks>
/// The canonical request is built here; the string to sign, the key derivation and the HMAC are AWSSDK.Core's
/// <see cref="AWS4Signer.ComputeSignature(ImmutableCredentials, string, DateTime, string, string, string)"/>.
/// Canonicalisation follows "Create a signed AWS API request" in the IAM user guide: the path is normalised and
/// each segment URI-encoded once more (as all services but S3 expect), query parameters are sorted by encoded
/// name then value, and header values are trimmed with inner runs of spaces collapsed.
/// </remarks>
public sealed class AwsRequestSigner(IAwsCredentialSource credentials, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>
    /// Buffers the content to hash it and adds <c>X-Amz-Date</c>, <c>x-amz-content-sha256</c>,
    /// <c>X-Amz-Security-Token</c> (temporary credentials) and <c>Authorization</c>.
    /// </summary>
    public async Task SignAsync(HttpRequestMessage request, string service, string region, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        var creds = await credentials.GetCredentialsAsync(ct).ConfigureAwait(false);
        await SignAsync(request, service, region, creds, _time.GetUtcNow().UtcDateTime, addContentHashHeader: true, ct).ConfigureAwait(false);
    }

    internal static async Task<SigV4Signature> SignAsync(
        HttpRequestMessage request, string service, string region, ImmutableCredentials creds, DateTime signedAt, bool addContentHashHeader, CancellationToken ct)
    {
        if (request.RequestUri is not { IsAbsoluteUri: true } uri)
        {
            throw new ArgumentException("The request to sign needs an absolute RequestUri.", nameof(request));
        }

        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        var payloadHash = Convert.ToHexStringLower(SHA256.HashData(body));

        foreach (var name in (string[])["Authorization", "X-Amz-Date", "X-Amz-Security-Token", "x-amz-content-sha256"])
        {
            request.Headers.Remove(name);
        }

        request.Headers.TryAddWithoutValidation("X-Amz-Date", signedAt.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
        if (creds.UseToken)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", creds.Token);
        }

        if (addContentHashHeader)
        {
            request.Headers.TryAddWithoutValidation("x-amz-content-sha256", payloadHash);
        }

        var headers = new List<KeyValuePair<string, IReadOnlyList<string>>>
        {
            new("host", [request.Headers.Host ?? uri.Authority]),
        };
        foreach (var header in request.Headers.NonValidated)
        {
            if (!header.Key.Equals("host", StringComparison.OrdinalIgnoreCase))
            {
                headers.Add(new(header.Key, [.. header.Value]));
            }
        }

        if (request.Content is not null)
        {
            foreach (var header in request.Content.Headers.NonValidated)
            {
                headers.Add(new(header.Key, [.. header.Value]));
            }
        }

        var parts = new SigV4Request(request.Method.Method, uri.AbsolutePath, uri.Query, headers, payloadHash);
        var signature = Sign(parts, creds, signedAt, service, region);
        request.Headers.TryAddWithoutValidation("Authorization", signature.Authorization);
        return signature;
    }

    internal static SigV4Signature Sign(SigV4Request request, ImmutableCredentials creds, DateTime signedAt, string service, string region)
    {
        var canonical = SigV4Canonicalizer.CanonicalRequest(request, out var signedHeaders);
        var result = AWS4Signer.ComputeSignature(creds, region, signedAt, service, signedHeaders, canonical);
        return new SigV4Signature(canonical, signedHeaders, result.Signature, result.ForAuthorizationHeader);
    }
}

/// <summary>The parts of a request that SigV4 signs. <paramref name="Path"/> is the path as sent; it is encoded once more here.</summary>
internal sealed record SigV4Request(
    string Method, string Path, string Query, IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> Headers, string PayloadHash);

internal sealed record SigV4Signature(string CanonicalRequest, string SignedHeaders, string Signature, string Authorization);

internal static class SigV4Canonicalizer
{
    /// <summary>Headers a proxy or the HTTP stack may add or rewrite after signing; signing them would break the signature.</summary>
    private static readonly HashSet<string> UnsignedHeaderNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "authorization", "user-agent", "expect", "connection", "keep-alive", "transfer-encoding",
        "content-length", "x-amzn-trace-id", "te", "upgrade", "proxy-authorization",
    };

    public static string CanonicalRequest(SigV4Request request, out string signedHeaders)
    {
        var headers = request.Headers
            .Where(h => !UnsignedHeaderNames.Contains(h.Key))
            .GroupBy(h => h.Key.ToLowerInvariant(), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Value: string.Join(',', g.SelectMany(h => h.Value).Select(TrimAll))))
            .ToList();
        signedHeaders = string.Join(';', headers.Select(h => h.Name));

        var builder = new StringBuilder();
        builder.Append(request.Method.ToUpperInvariant()).Append('\n');
        builder.Append(CanonicalPath(request.Path)).Append('\n');
        builder.Append(CanonicalQuery(request.Query)).Append('\n');
        foreach (var (name, value) in headers)
        {
            builder.Append(name).Append(':').Append(value).Append('\n');
        }

        builder.Append('\n').Append(signedHeaders).Append('\n').Append(request.PayloadHash);
        return builder.ToString();
    }

    internal static string CanonicalPath(string path)
    {
        var segments = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }

                continue;
            }

            segments.Add(UriEncode(segment));
        }

        var trailingSlash = path.EndsWith('/') && segments.Count > 0;
        return "/" + string.Join('/', segments) + (trailingSlash ? "/" : "");
    }

    private static string CanonicalQuery(string query)
    {
        var trimmed = query.StartsWith('?') ? query[1..] : query;
        if (trimmed.Length == 0)
        {
            return "";
        }

        return string.Join('&', trimmed.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair =>
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var name = equals < 0 ? pair : pair[..equals];
                var value = equals < 0 ? "" : pair[(equals + 1)..];
                return (Name: UriEncode(Uri.UnescapeDataString(name)), Value: UriEncode(Uri.UnescapeDataString(value)));
            })
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));
    }

    /// <summary>RFC 3986 percent-encoding of every byte outside the unreserved set, upper-case hex, as SigV4 requires.</summary>
    internal static string UriEncode(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static string TrimAll(string value)
    {
        var builder = new StringBuilder(value.Length);
        var lastWasSpace = false;
        foreach (var c in value.Trim())
        {
            var isSpace = c is ' ' or '\t';
            if (isSpace && lastWasSpace)
            {
                continue;
            }

            builder.Append(isSpace ? ' ' : c);
            lastWasSpace = isSpace;
        }

        return builder.ToString();
    }
}
