using System.Text;
using Microsoft.Extensions.Time.Testing;
using ReferenceArchitectures.Testing.LocalBedrock;

namespace ReferenceArchitectures.Bedrock.Tests;

/// <summary>The public signer as other tools use it (Lambda Function URLs, API Gateway), checked by the independent verifier.</summary>
public sealed class AwsRequestSignerTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 15, 9, 30, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("lambda", "GET", "https://abc123.lambda-url.eu-west-1.on.aws/items?b=2&a=1", null)]
    [InlineData("execute-api", "POST", "https://api.example.execute-api.eu-west-1.amazonaws.com/prod/chat", """{"prompt":"hi"}""")]
    public async Task Signed_request_verifies_for_the_named_service(string service, string method, string url, string? body)
    {
        var signer = new AwsRequestSigner(new StaticAwsCredentialSource("AKIDTEST", "secret/key", "token-1"), new FakeTimeProvider(Now));
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        await signer.SignAsync(request, service, "eu-west-1", CancellationToken.None);

        var verification = new SigV4Verifier("AKIDTEST", "secret/key", service, "eu-west-1")
            .Verify(method, request.RequestUri!.PathAndQuery, HeaderLines(request), body is null ? [] : Encoding.UTF8.GetBytes(body));
        Assert.True(verification.IsValid, verification.Message);
        Assert.Equal("20260115T093000Z", request.Headers.GetValues("X-Amz-Date").Single());
        Assert.Equal("token-1", request.Headers.GetValues("X-Amz-Security-Token").Single());
        Assert.Contains($"/20260115/eu-west-1/{service}/aws4_request", request.Headers.GetValues("Authorization").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signing_again_replaces_the_previous_signature()
    {
        var time = new FakeTimeProvider(Now);
        var signer = new AwsRequestSigner(new StaticAwsCredentialSource("AKIDTEST", "secret/key"), time);
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.amazonaws.com/");

        await signer.SignAsync(request, "service", "us-east-1", CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(1));
        await signer.SignAsync(request, "service", "us-east-1", CancellationToken.None);

        Assert.Single(request.Headers.GetValues("Authorization"));
        Assert.Equal("20260115T093100Z", request.Headers.GetValues("X-Amz-Date").Single());
        var verification = new SigV4Verifier("AKIDTEST", "secret/key").Verify("GET", "/", HeaderLines(request), []);
        Assert.True(verification.IsValid, verification.Message);
    }

    [Fact]
    public async Task A_relative_uri_is_rejected_with_a_named_exception()
    {
        var signer = new AwsRequestSigner(new StaticAwsCredentialSource("a", "b"));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/relative", UriKind.Relative));

        await Assert.ThrowsAsync<ArgumentException>(() => signer.SignAsync(request, "service", "us-east-1", CancellationToken.None));
    }

    /// <summary>The header lines a server would receive: Host from the URI, then the request's and content's headers.</summary>
    private static List<KeyValuePair<string, string>> HeaderLines(HttpRequestMessage request)
    {
        var lines = new List<KeyValuePair<string, string>> { new("Host", request.RequestUri!.Authority) };
        lines.AddRange(request.Headers.NonValidated.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v))));
        if (request.Content is not null)
        {
            lines.AddRange(request.Content.Headers.NonValidated.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v))));
        }

        return lines;
    }
}
