using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using ReferenceArchitectures.Testing.LocalBedrock;

namespace ReferenceArchitectures.Bedrock.Tests;

/// <summary>Our signer and LocalBedrock's verifier against AWS's SigV4 test suite (TestData/sigv4).</summary>
public sealed class SigV4SuiteTests
{
    /// <summary>
    /// Cases that cannot go through <see cref="HttpRequestMessage"/>, with the reason. They are still checked against the
    /// signer's canonicalisation directly (<see cref="Signer_canonical_request_and_authorization_match_the_suite"/>).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> NotExpressibleAsHttpRequestMessage = new Dictionary<string, string>
    {
        ["get-utf8"] = "The suite writes the path unencoded (/ሴ) and expects it encoded once. A Uri always carries it "
            + "percent-encoded (/%E1%88%B4), which SigV4 for non-S3 services encodes a second time, as Bedrock requires.",
        ["normalize-path/get-space"] = "Same as get-utf8: a Uri carries the space as %20, which is encoded again to %2520.",
        ["post-sts-token/post-sts-header-after"] = "The token is added after signing. Our signer always signs X-Amz-Security-Token "
            + "(the post-sts-header-before form), which every service accepts.",
    };

    public static TheoryData<string> AllCases() => [.. SigV4SuiteCase.AllNames];

    public static TheoryData<string> HttpRequestMessageCases() =>
        [.. SigV4SuiteCase.AllNames.Where(n => !NotExpressibleAsHttpRequestMessage.ContainsKey(n))];

    [Fact]
    public void The_suite_is_present_and_every_exception_names_a_real_case()
    {
        Assert.Equal(31, SigV4SuiteCase.AllNames.Count);
        Assert.All(NotExpressibleAsHttpRequestMessage.Keys, name => Assert.Contains(name, SigV4SuiteCase.AllNames));
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Signer_canonical_request_and_authorization_match_the_suite(string name)
    {
        var suiteCase = SigV4SuiteCase.Load(name);
        var headers = suiteCase.Headers.Select(h => new KeyValuePair<string, IReadOnlyList<string>>(h.Key, [h.Value])).ToList();
        var request = new SigV4Request(suiteCase.Method, suiteCase.TargetPath, suiteCase.Query, headers, Sha256Hex(suiteCase.Body));

        var signature = AwsRequestSigner.Sign(request, new ImmutableCredentials(SigV4SuiteCase.AccessKey, SigV4SuiteCase.SecretKey, null),
            SigV4SuiteCase.SignedAt, SigV4SuiteCase.Service, SigV4SuiteCase.Region);

        Assert.Equal(suiteCase.Expected("creq"), signature.CanonicalRequest);
        // AWSSDK.Core builds the string to sign internally; its last line is the hash of our canonical request.
        Assert.Equal(suiteCase.Expected("sts").Split('\n')[^1], Sha256Hex(Encoding.UTF8.GetBytes(signature.CanonicalRequest)));
        Assert.Equal(suiteCase.Expected("authz"), signature.Authorization);
    }

    [Theory]
    [MemberData(nameof(HttpRequestMessageCases))]
    public async Task Signer_signs_an_HttpRequestMessage_as_the_suite_expects(string name)
    {
        var suiteCase = SigV4SuiteCase.Load(name);
        using var message = ToHttpRequestMessage(suiteCase);
        var credentials = name.StartsWith("post-sts-token/", StringComparison.Ordinal)
            ? new ImmutableCredentials(SigV4SuiteCase.AccessKey, SigV4SuiteCase.SecretKey, SessionToken())
            : new ImmutableCredentials(SigV4SuiteCase.AccessKey, SigV4SuiteCase.SecretKey, null);

        var signature = await AwsRequestSigner.SignAsync(message, SigV4SuiteCase.Service, SigV4SuiteCase.Region, credentials,
            SigV4SuiteCase.SignedAt, addContentHashHeader: false, CancellationToken.None);

        Assert.Equal(suiteCase.Expected("creq"), signature.CanonicalRequest);
        Assert.Equal(suiteCase.Expected("authz"), string.Join(",", message.Headers.GetValues("Authorization")));
        Assert.Equal("20150830T123600Z", string.Join(",", message.Headers.GetValues("X-Amz-Date")));
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Verifier_accepts_the_suite_signed_request_and_rebuilds_its_strings(string name)
    {
        var signed = SigV4SuiteCase.Load(name, "sreq");
        var verifier = new SigV4Verifier(SigV4SuiteCase.AccessKey, SigV4SuiteCase.SecretKey, SigV4SuiteCase.Service, SigV4SuiteCase.Region);

        var result = verifier.Verify(signed.Method, signed.Target, signed.Headers, signed.Body);

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(signed.Expected("creq"), result.CanonicalRequest);
        Assert.Equal(signed.Expected("sts"), result.StringToSign);
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Verifier_rejects_the_suite_request_signed_with_another_secret(string name)
    {
        var signed = SigV4SuiteCase.Load(name, "sreq");
        var verifier = new SigV4Verifier(SigV4SuiteCase.AccessKey, "another-secret", SigV4SuiteCase.Service, SigV4SuiteCase.Region);

        var result = verifier.Verify(signed.Method, signed.Target, signed.Headers, signed.Body);

        Assert.False(result.IsValid);
        Assert.Equal("InvalidSignatureException", result.ErrorType);
    }

    [Fact]
    public void Verifier_rejects_a_changed_signed_header()
    {
        var signed = SigV4SuiteCase.Load("post-header-value-case", "sreq");
        var tampered = signed.Headers.Select(h => h.Key == "My-Header1" ? new KeyValuePair<string, string>(h.Key, "value1") : h).ToList();
        var verifier = new SigV4Verifier(SigV4SuiteCase.AccessKey, SigV4SuiteCase.SecretKey);

        var result = verifier.Verify(signed.Method, signed.Target, tampered, signed.Body);

        Assert.False(result.IsValid);
        Assert.Equal("InvalidSignatureException", result.ErrorType);
    }

    [Fact]
    public void Verifier_rejects_a_request_without_authorization()
    {
        var request = SigV4SuiteCase.Load("get-vanilla");
        var verifier = new SigV4Verifier(SigV4SuiteCase.AccessKey, SigV4SuiteCase.SecretKey);

        var result = verifier.Verify(request.Method, request.Target, request.Headers, request.Body);

        Assert.False(result.IsValid);
        Assert.Equal("MissingAuthenticationTokenException", result.ErrorType);
    }

    [Fact]
    public void Signer_encodes_an_already_encoded_model_arn_a_second_time()
    {
        var path = "/model/" + Uri.EscapeDataString("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-lite-v1:0") + "/converse";

        var canonical = SigV4Canonicalizer.CanonicalPath(path);

        Assert.Equal("/model/arn%253Aaws%253Abedrock%253Aus-east-1%253A123456789012%253Ainference-profile%252Fus.amazon.nova-lite-v1%253A0/converse", canonical);
    }

    private static HttpRequestMessage ToHttpRequestMessage(SigV4SuiteCase suiteCase)
    {
        var message = new HttpRequestMessage(new HttpMethod(suiteCase.Method), new Uri("https://example.amazonaws.com" + suiteCase.Target));
        if (suiteCase.Method == "POST")
        {
            message.Content = new ByteArrayContent(suiteCase.Body);
        }

        foreach (var group in suiteCase.Headers.GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase))
        {
            // The signer sets these itself: Host from the URI, the date and token from the clock and credentials.
            if (group.Key is "Host" or "X-Amz-Date" or "X-Amz-Security-Token")
            {
                continue;
            }

            if (group.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                message.Content!.Headers.TryAddWithoutValidation(group.Key, group.Select(h => h.Value));
            }
            else
            {
                message.Headers.TryAddWithoutValidation(group.Key, group.Select(h => h.Value));
            }
        }

        return message;
    }

    private static string SessionToken() =>
        File.ReadAllText(Path.Combine(SigV4SuiteCase.Root, "post-sts-token", "post-sts-header-before", "post-sts-header-before.req"))
            .Split('\n').Single(l => l.StartsWith("X-Amz-Security-Token:", StringComparison.Ordinal))["X-Amz-Security-Token:".Length..];

    private static string Sha256Hex(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
