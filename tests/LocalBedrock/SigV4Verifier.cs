using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ReferenceArchitectures.Testing.LocalBedrock;

/// <summary>The outcome of checking one request's SigV4 signature, with the intermediate strings for diagnosis.</summary>
public sealed record SigV4Verification(bool IsValid, string ErrorType, string Message, string? CanonicalRequest = null, string? StringToSign = null, string? ExpectedSignature = null)
{
    internal static SigV4Verification Reject(string errorType, string message) => new(false, errorType, message);
}

/// <summary>
/// Verifies AWS Signature Version 4 header signatures as a service would: rebuilds the canonical request from what was
/// received, derives the signing key from the secret key and compares signatures.
/// </summary>
/// <remarks>
/// Written from the SigV4 description in the IAM user guide ("Create a signed AWS API request"), independently of the
/// client's signer and of AWSSDK.Core, so that each checks the other. The path is normalised and every byte outside the
/// unreserved set percent-encoded, as for all services but S3.
/// </remarks>
/// <param name="secretFor">The secret access key of an access key id the verifier accepts, or null for one it does not know.</param>
public sealed class SigV4Verifier(Func<string, string?> secretFor, string? service = null, string? region = null)
{
    public SigV4Verifier(string accessKeyId, string secretAccessKey, string? service = null, string? region = null)
        : this(id => id == accessKeyId ? secretAccessKey : null, service, region)
    {
    }

    private const string Algorithm = "AWS4-HMAC-SHA256";

    /// <param name="rawTarget">The request target as received: path and query, still percent-encoded.</param>
    /// <param name="headers">Every header line in arrival order; a repeated name appears once per line.</param>
    public SigV4Verification Verify(string method, string rawTarget, IEnumerable<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var headerList = headers.ToList();
        var authorization = Values(headerList, "authorization").FirstOrDefault();
        if (authorization is null)
        {
            return SigV4Verification.Reject("MissingAuthenticationTokenException", "Missing Authentication Token");
        }

        if (!TryParseAuthorization(authorization, out var auth, out var problem))
        {
            return SigV4Verification.Reject("IncompleteSignatureException", problem);
        }

        if (secretFor(auth.AccessKeyId) is not { } secretAccessKey)
        {
            return SigV4Verification.Reject("UnrecognizedClientException", $"The security token included in the request is invalid (unknown access key {auth.AccessKeyId}).");
        }

        if ((service is not null && auth.Service != service) || (region is not null && auth.Region != region))
        {
            return SigV4Verification.Reject("InvalidSignatureException", $"Credential should be scoped to region '{region ?? auth.Region}' and service '{service ?? auth.Service}', not '{auth.Region}'/'{auth.Service}'.");
        }

        var amzDate = Values(headerList, "x-amz-date").FirstOrDefault();
        if (amzDate is null || amzDate.Length != 16 || !amzDate.StartsWith(auth.Date, StringComparison.Ordinal))
        {
            return SigV4Verification.Reject("IncompleteSignatureException", "X-Amz-Date is missing or does not match the credential scope date.");
        }

        if (!auth.SignedHeaders.Contains("host") || !auth.SignedHeaders.Contains("x-amz-date"))
        {
            return SigV4Verification.Reject("IncompleteSignatureException", "SignedHeaders must include host and x-amz-date.");
        }

        var bodyHash = Hex(SHA256.HashData(body));
        var declaredHash = Values(headerList, "x-amz-content-sha256").FirstOrDefault();
        if (declaredHash is not null && declaredHash != bodyHash)
        {
            return SigV4Verification.Reject("InvalidSignatureException", "x-amz-content-sha256 does not match the body.");
        }

        var canonical = BuildCanonicalRequest(method, rawTarget, headerList, auth.SignedHeaders, bodyHash);
        var scope = $"{auth.Date}/{auth.Region}/{auth.Service}/aws4_request";
        var stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), auth.Date);
        key = Hmac(key, auth.Region);
        key = Hmac(key, auth.Service);
        key = Hmac(key, "aws4_request");
        var expected = Hex(Hmac(key, stringToSign));

        var valid = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(auth.Signature));
        return valid
            ? new SigV4Verification(true, "", "Signature verified.", canonical, stringToSign, expected)
            : new SigV4Verification(false, "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
                canonical, stringToSign, expected);
    }

    /// <summary>The canonical request for a received request, given the signed header names (lower case, sorted).</summary>
    public static string BuildCanonicalRequest(string method, string rawTarget, IReadOnlyList<KeyValuePair<string, string>> headers, IReadOnlyList<string> signedHeaders, string bodyHash)
    {
        ArgumentNullException.ThrowIfNull(rawTarget);
        ArgumentNullException.ThrowIfNull(signedHeaders);
        var queryStart = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? rawTarget : rawTarget[..queryStart];
        var query = queryStart < 0 ? "" : rawTarget[(queryStart + 1)..];

        var text = new StringBuilder();
        text.Append(method).Append('\n');
        text.Append(NormalisedPath(path)).Append('\n');
        text.Append(SortedQuery(query)).Append('\n');
        foreach (var name in signedHeaders)
        {
            var values = Values(headers, name).Select(CollapseSpaces);
            text.Append(name).Append(':').Append(string.Join(",", values)).Append('\n');
        }

        text.Append('\n').Append(string.Join(";", signedHeaders)).Append('\n').Append(bodyHash);
        return text.ToString();
    }

    private static string NormalisedPath(string path)
    {
        var kept = new Stack<string>();
        foreach (var segment in path.Split('/'))
        {
            switch (segment)
            {
                case "":
                case ".":
                    break;
                case "..":
                    kept.TryPop(out _);
                    break;
                default:
                    kept.Push(Encode(segment));
                    break;
            }
        }

        var joined = string.Join("/", kept.Reverse());
        var slashAtEnd = joined.Length > 0 && path.EndsWith('/');
        return "/" + joined + (slashAtEnd ? "/" : "");
    }

    private static string SortedQuery(string query)
    {
        if (query.Length == 0)
        {
            return "";
        }

        var pairs = new List<(string Key, string Value)>();
        foreach (var part in query.Split('&'))
        {
            if (part.Length == 0)
            {
                continue;
            }

            var split = part.Split('=', 2);
            pairs.Add((Encode(Uri.UnescapeDataString(split[0])), Encode(split.Length > 1 ? Uri.UnescapeDataString(split[1]) : "")));
        }

        pairs.Sort((a, b) =>
        {
            var byKey = string.CompareOrdinal(a.Key, b.Key);
            return byKey != 0 ? byKey : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join("&", pairs.Select(p => p.Key + "=" + p.Value));
    }

    private static string Encode(string text)
    {
        const string unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";
        var encoded = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (b < 128 && unreserved.Contains((char)b, StringComparison.Ordinal))
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
            }
        }

        return encoded.ToString();
    }

    private static string CollapseSpaces(string value) =>
        string.Join(" ", value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static IEnumerable<string> Values(IEnumerable<KeyValuePair<string, string>> headers, string name) =>
        headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value.Trim());

    private sealed record AuthorizationHeader(string AccessKeyId, string Date, string Region, string Service, IReadOnlyList<string> SignedHeaders, string Signature);

    private static bool TryParseAuthorization(string value, out AuthorizationHeader parsed, out string problem)
    {
        parsed = null!;
        if (!value.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            problem = $"Authorization header must start with {Algorithm}.";
            return false;
        }

        var fields = value[(Algorithm.Length + 1)..]
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(f => f.Split('=', 2))
            .Where(f => f.Length == 2)
            .ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("Credential", out var credential) || !fields.TryGetValue("SignedHeaders", out var signed) || !fields.TryGetValue("Signature", out var signature))
        {
            problem = "Authorization header needs Credential, SignedHeaders and Signature.";
            return false;
        }

        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request")
        {
            problem = $"Credential \"{credential}\" is not access-key/date/region/service/aws4_request.";
            return false;
        }

        parsed = new AuthorizationHeader(scope[0], scope[1], scope[2], scope[3], signed.Split(';'), signature);
        problem = "";
        return true;
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
