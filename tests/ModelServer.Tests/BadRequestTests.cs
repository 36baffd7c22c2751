using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace ReferenceArchitectures.ModelServer.Tests;

/// <summary>Every malformed or oversized request is answered with a 4xx problem document, never a 500.</summary>
[Collection(SharedServer.Name)]
public sealed class BadRequestTests(ServerFixture fixture)
{
    private static readonly string TooLongText = new('a', 16_385);
    private static readonly string ManyInputs = "[" + string.Join(',', Enumerable.Repeat("\"x\"", 257)) + "]";
    private static readonly string HugeBody = "{\"input\":\"" + new string('b', (4 * 1024 * 1024) + 10) + "\"}";

    public static TheoryData<string, string, string, string, int> Corpus => new()
    {
        // name, method, path, body (content type json unless noted), expected status
        { "empty body", "POST", "/v1/embeddings", "", 400 },
        { "truncated JSON", "POST", "/v1/embeddings", "{\"input\":\"a\"", 400 },
        { "not JSON", "POST", "/v1/embeddings", "input=hello", 400 },
        { "JSON null", "POST", "/v1/embeddings", "null", 400 },
        { "JSON array body", "POST", "/v1/embeddings", "[\"a\"]", 400 },
        { "JSON string body", "POST", "/v1/embeddings", "\"hello\"", 400 },
        { "missing input", "POST", "/v1/embeddings", "{\"model\":\"all-MiniLM-L6-v2\"}", 400 },
        { "input null", "POST", "/v1/embeddings", "{\"input\":null}", 400 },
        { "input number", "POST", "/v1/embeddings", "{\"input\":42}", 400 },
        { "input object", "POST", "/v1/embeddings", "{\"input\":{\"text\":\"a\"}}", 400 },
        { "input boolean", "POST", "/v1/embeddings", "{\"input\":true}", 400 },
        { "input token ids", "POST", "/v1/embeddings", "{\"input\":[101,7592,102]}", 400 },
        { "input nested token arrays", "POST", "/v1/embeddings", "{\"input\":[[101,102]]}", 400 },
        { "input array with null", "POST", "/v1/embeddings", "{\"input\":[\"a\",null]}", 400 },
        { "input array with object", "POST", "/v1/embeddings", "{\"input\":[\"a\",{}]}", 400 },
        { "empty input array", "POST", "/v1/embeddings", "{\"input\":[]}", 400 },
        { "empty string input", "POST", "/v1/embeddings", "{\"input\":\"\"}", 400 },
        { "whitespace input", "POST", "/v1/embeddings", "{\"input\":[\"ok\",\"   \"]}", 400 },
        { "unknown encoding_format", "POST", "/v1/embeddings", "{\"input\":\"a\",\"encoding_format\":\"int8\"}", 400 },
        { "encoding_format number", "POST", "/v1/embeddings", "{\"input\":\"a\",\"encoding_format\":1}", 400 },
        { "dimensions 256", "POST", "/v1/embeddings", "{\"input\":\"a\",\"dimensions\":256}", 400 },
        { "dimensions string", "POST", "/v1/embeddings", "{\"input\":\"a\",\"dimensions\":\"384\"}", 400 },
        { "dimensions fraction", "POST", "/v1/embeddings", "{\"input\":\"a\",\"dimensions\":384.5}", 400 },
        { "unknown model", "POST", "/v1/embeddings", "{\"input\":\"a\",\"model\":\"text-embedding-3-small\"}", 400 },
        { "model number", "POST", "/v1/embeddings", "{\"input\":\"a\",\"model\":3}", 400 },
        { "user object", "POST", "/v1/embeddings", "{\"input\":\"a\",\"user\":{}}", 400 },
        { "too many inputs", "POST", "/v1/embeddings", "{\"input\":" + ManyInputs + "}", 413 },
        { "input too long", "POST", "/v1/embeddings", "{\"input\":\"" + TooLongText + "\"}", 413 },
        { "body over the size limit", "POST", "/v1/embeddings", HugeBody, 413 },
        { "trailing garbage", "POST", "/v1/embeddings", "{\"input\":\"a\"} x", 400 },
        { "invalid escape", "POST", "/v1/embeddings", "{\"input\":\"\\q\"}", 400 },
        { "similarity without source", "POST", "/v1/similarity", "{\"candidates\":[\"a\"]}", 400 },
        { "similarity without candidates", "POST", "/v1/similarity", "{\"source\":\"a\"}", 400 },
        { "similarity empty candidates", "POST", "/v1/similarity", "{\"source\":\"a\",\"candidates\":[]}", 400 },
        { "similarity source number", "POST", "/v1/similarity", "{\"source\":1,\"candidates\":[\"a\"]}", 400 },
        { "similarity candidate too long", "POST", "/v1/similarity", "{\"source\":\"a\",\"candidates\":[\"" + TooLongText + "\"]}", 413 },
        { "similarity too many candidates", "POST", "/v1/similarity", "{\"source\":\"a\",\"candidates\":" + ManyInputs + "}", 413 },
        { "GET on embeddings", "GET", "/v1/embeddings", "", 405 },
        { "unknown path", "POST", "/v1/chat/completions", "{}", 404 },
        { "DELETE on readiness", "DELETE", "/health/ready", "", 405 },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Bad_request_gets_a_4xx_problem_document(string name, string method, string path, string body, int expectedStatus)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method != "GET" && method != "DELETE")
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            // As curl does for large bodies: the server can refuse an oversized body before it is sent, instead of
            // closing the connection while the client is still uploading it.
            request.Headers.ExpectContinue = true;
        }

        using var response = await fixture.Server.Client.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expectedStatus == (int)response.StatusCode, $"{name}: expected {expectedStatus}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(expectedStatus, (int?)JsonNode.Parse(text)!["status"]);
    }

    [Fact]
    public async Task A_body_that_is_not_declared_json_is_unsupported_media_type()
    {
        using var content = new StringContent("{\"input\":\"a\"}", Encoding.UTF8, "text/plain");

        using var response = await fixture.Server.Client.PostAsync("/v1/embeddings", content);

        Assert.Equal(415, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Problem_details_say_what_is_wrong_without_dotnet_type_names()
    {
        using var content = new StringContent("{\"input\":\"a\",\"dimensions\":\"many\"}", Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

        using var response = await fixture.Server.Client.PostAsync("/v1/embeddings", content);

        var detail = (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"];
        Assert.Contains("dimensions", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_requests_name_the_limit()
    {
        using var content = new StringContent("{\"input\":\"" + TooLongText + "\"}", Encoding.UTF8, "application/json");

        using var response = await fixture.Server.Client.PostAsync("/v1/embeddings", content);

        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("MaxCharactersPerInput", (string?)problem["limit"]);
        Assert.Equal(16_384, (int?)problem["max"]);
    }
}
