namespace ReferenceArchitectures.EmbeddingsFunction.Tests;

/// <summary>What only the function sees: the HTTP API's event around the body. Each mistake is a 4xx problem.</summary>
[Collection(Parity.Name)]
public sealed class FunctionEventTests(ParityFixture hosts)
{
    [Fact]
    public async Task A_path_the_api_does_not_have_is_answered_404()
    {
        var answer = await hosts.Function.InvokeAsync(HttpEvents.Request("/v1/chat", """{"input":"hi"}"""));

        Assert.Equal(404, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.Contains("/v1/embeddings", answer.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_method_other_than_post_is_answered_405_with_allow()
    {
        var answer = await hosts.Function.InvokeAsync(HttpEvents.Request("/v1/embeddings", null, method: "GET", contentType: null));

        Assert.Equal(405, answer.Status);
        Assert.Equal("POST", answer.Headers["allow"]);
    }

    [Fact]
    public async Task A_base64_body_is_decoded_and_a_bad_one_is_answered_400()
    {
        var decoded = await hosts.Function.InvokeAsync(HttpEvents.Request("/v1/embeddings", """{"input":"hi"}""", base64: true));
        var broken = System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(HttpEvents.Request("/v1/embeddings", "x", base64: true))
            .Replace("\"body\":\"eA==\"", "\"body\":\"not base64!\"", StringComparison.Ordinal));

        Assert.Equal(200, decoded.Status);
        var answer = await hosts.Function.InvokeAsync(broken);
        Assert.Equal(400, answer.Status);
        Assert.Contains("base64", answer.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("\"a string\"")]
    [InlineData("{\"version\":\"2.0\"}")]
    [InlineData("{not json")]
    public async Task A_payload_that_is_not_an_http_api_event_is_answered_400(string payload)
    {
        var answer = await hosts.Function.InvokeAsync(System.Text.Encoding.UTF8.GetBytes(payload));

        Assert.Equal(400, answer.Status);
        Assert.Contains("payload format 2.0", answer.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_that_outlasts_its_deadline_is_answered_503_and_the_function_serves_the_next()
    {
        // 40 texts of 256 tokens take seconds on one thread; the deadline stops them, between batches or inside a
        // model run (where ONNX Runtime throws its own exception), and either way the caller gets a 503 problem.
        var texts = Enumerable.Range(0, 40).Select(i => string.Join(' ', Enumerable.Repeat($"w{i}", 280))).ToArray();
        var body = System.Text.Json.JsonSerializer.Serialize(new { input = texts });

        var late = await hosts.Function.InvokeAsync(HttpEvents.Request("/v1/embeddings", body), TimeSpan.FromSeconds(1.2));
        var next = await hosts.Function.InvokeAsync(HttpEvents.Request("/v1/embeddings", """{"input":"after the deadline"}"""));

        Assert.Equal(503, late.Status);
        Assert.Equal("application/problem+json", late.ContentType);
        Assert.Equal(200, next.Status);
    }

    [Fact]
    public async Task A_missing_body_is_answered_400_and_the_function_serves_the_next_request()
    {
        var missing = await hosts.Function.InvokeAsync(HttpEvents.Request("/v1/embeddings", null));
        var next = await hosts.Function.InvokeAsync(HttpEvents.Request("/v1/embeddings", """{"input":"still there?"}"""));

        Assert.Equal(400, missing.Status);
        Assert.Equal(200, next.Status);
    }
}
