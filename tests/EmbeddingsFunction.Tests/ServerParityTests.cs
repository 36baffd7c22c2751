using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ReferenceArchitectures.EmbeddingsFunction.Tests;

/// <summary>
/// The function serves the model server's API: for the same request it gives the same embeddings, scores and usage, and
/// for the same bad request the same problem document. The server is the reference: it has its own tests.
/// </summary>
[Collection(Parity.Name)]
public sealed class ServerParityTests(ParityFixture hosts)
{
    /// <summary>Texts of many lengths, more than one of the function's batches of 32, and one past the model's 256 tokens.</summary>
    private static readonly string[] Texts =
    [
        .. Enumerable.Range(1, 38).Select(i => string.Join(' ', Enumerable.Repeat($"sentence {i} about a cat on a mat", 1 + i % 7))),
        "Ein Satz auf Deutsch, mit Umlauten: Grüße aus Köln.",
        string.Join(' ', Enumerable.Repeat("long", 300)),
    ];

    [Fact]
    public async Task The_function_embeds_every_text_as_the_server_does()
    {
        var body = JsonSerializer.Serialize(new { input = Texts });

        var function = await hosts.Function.InvokeAsync(HttpEvents.Request("/v1/embeddings", body));
        var server = await PostAsync("/v1/embeddings", body);

        Assert.Equal(200, function.Status);
        Assert.Equal("application/json", function.ContentType);
        var expected = server.RootElement.GetProperty("data").EnumerateArray().Select(Vector).ToList();
        var actual = function.Json.GetProperty("data").EnumerateArray().Select(Vector).ToList();
        Assert.Equal(Texts.Length, actual.Count);
        for (var i = 0; i < Texts.Length; i++)
        {
            Assert.True(1 - Cosine(expected[i], actual[i]) < 1e-6, $"text {i}: 1 - cos = {1 - Cosine(expected[i], actual[i])}");
        }

        Assert.Equal(server.RootElement.GetProperty("usage").GetRawText(), function.Json.GetProperty("usage").GetRawText());
        Assert.Equal(server.RootElement.GetProperty("truncated").GetRawText(), function.Json.GetProperty("truncated").GetRawText());
        Assert.Equal("[39]", function.Json.GetProperty("truncated").GetRawText());
        Assert.Equal(server.RootElement.GetProperty("model").GetString(), function.Json.GetProperty("model").GetString());
    }

    [Fact]
    public async Task Base64_vectors_hold_the_same_floats_as_number_vectors()
    {
        var floats = await hosts.Function.InvokeAsync(HttpEvents.Request("/v1/embeddings", """{"input":"a small test"}"""));
        var base64 = await hosts.Function.InvokeAsync(HttpEvents.Request("/v1/embeddings", """{"input":"a small test","encoding_format":"base64"}"""));

        var bytes = Convert.FromBase64String(base64.Json.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        var decoded = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, decoded, 0, bytes.Length);
        Assert.Equal(Vector(floats.Json.GetProperty("data")[0]), decoded);
    }

    [Fact]
    public async Task The_function_scores_similarity_as_the_server_does()
    {
        var body = JsonSerializer.Serialize(new { source = "A cat sits on the mat.", candidates = new[] { "A kitten rests on a rug.", "Stock markets fell today.", Texts[^1] } });

        var function = await hosts.Function.InvokeAsync(HttpEvents.Request("/v1/similarity", body));
        var server = await PostAsync("/v1/similarity", body);

        Assert.Equal(200, function.Status);
        var expected = server.RootElement.GetProperty("data").EnumerateArray().Select(s => s.GetProperty("score").GetDouble()).ToList();
        var actual = function.Json.GetProperty("data").EnumerateArray().Select(s => s.GetProperty("score").GetDouble()).ToList();
        Assert.Equal(expected.Count, actual.Count);
        Assert.All(expected.Zip(actual), pair => Assert.True(Math.Abs(pair.First - pair.Second) < 1e-6, $"{pair.First} vs {pair.Second}"));
        Assert.True(actual[0] > actual[1], "the kitten should be closer to the cat than the stock market");
        Assert.Equal(server.RootElement.GetProperty("truncated").GetRawText(), function.Json.GetProperty("truncated").GetRawText());
    }

    /// <summary>Every way a body can be wrong: the function answers it 4xx with the server's own problem.</summary>
    [Theory]
    [InlineData("/v1/embeddings", "{\"input\":")]
    [InlineData("/v1/embeddings", "null")]
    [InlineData("/v1/embeddings", "[]")]
    [InlineData("/v1/embeddings", "{}")]
    [InlineData("/v1/embeddings", "{\"input\":[]}")]
    [InlineData("/v1/embeddings", "{\"input\":42}")]
    [InlineData("/v1/embeddings", "{\"input\":[1,2,3]}")]
    [InlineData("/v1/embeddings", "{\"input\":[\"ok\",null]}")]
    [InlineData("/v1/embeddings", "{\"input\":\"   \"}")]
    [InlineData("/v1/embeddings", "{\"input\":\"ok\",\"model\":\"text-embedding-3-small\"}")]
    [InlineData("/v1/embeddings", "{\"input\":\"ok\",\"encoding_format\":\"hex\"}")]
    [InlineData("/v1/embeddings", "{\"input\":\"ok\",\"dimensions\":256}")]
    [InlineData("/v1/embeddings", "{\"input\":\"ok\",\"dimensions\":\"many\"}")]
    [InlineData("/v1/similarity", "{\"candidates\":[\"a\"]}")]
    [InlineData("/v1/similarity", "{\"source\":\"a\"}")]
    [InlineData("/v1/similarity", "{\"source\":\"a\",\"candidates\":[]}")]
    [InlineData("/v1/similarity", "{\"source\":\"\",\"candidates\":[\"b\"]}")]
    public async Task A_bad_body_gets_the_servers_problem(string path, string body) => await AssertSameProblemAsync(path, body);

    [Fact]
    public async Task Too_many_texts_and_too_long_a_text_get_the_servers_413()
    {
        var limits = LambdaModelTemplate.Props;
        await AssertSameProblemAsync("/v1/embeddings", JsonSerializer.Serialize(new { input = Enumerable.Repeat("x", limits.MaxInputsPerRequest!.Value + 1) }), 413);
        await AssertSameProblemAsync("/v1/embeddings", JsonSerializer.Serialize(new { input = new string('x', limits.MaxCharactersPerInput!.Value + 1) }), 413);
        await AssertSameProblemAsync("/v1/similarity", JsonSerializer.Serialize(new { source = "s", candidates = Enumerable.Repeat("x", limits.MaxInputsPerRequest!.Value) }), 413);
    }

    [Fact]
    public async Task A_body_not_declared_as_json_gets_the_servers_415()
    {
        var function = await hosts.Function.InvokeAsync(HttpEvents.Request("/v1/embeddings", "input=hello", contentType: "application/x-www-form-urlencoded"));
        using var content = new StringContent("input=hello", Encoding.UTF8, "application/x-www-form-urlencoded");
        using var server = await hosts.Server.PostAsync("/v1/embeddings", content);

        AssertSameProblem(function, (int)server.StatusCode, JsonDocument.Parse(await server.Content.ReadAsStringAsync()).RootElement);
        Assert.Equal(415, function.Status);
    }

    private async Task AssertSameProblemAsync(string path, string body, int? status = null)
    {
        var function = await hosts.Function.InvokeAsync(HttpEvents.Request(path, body));
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var server = await hosts.Server.PostAsync(path, content);

        AssertSameProblem(function, (int)server.StatusCode, JsonDocument.Parse(await server.Content.ReadAsStringAsync()).RootElement);
        if (status is { } expected)
        {
            Assert.Equal(expected, function.Status);
        }
    }

    private static void AssertSameProblem(HttpAnswer function, int serverStatus, JsonElement serverProblem)
    {
        Assert.InRange(function.Status, 400, 499);
        Assert.Equal(serverStatus, function.Status);
        Assert.Equal("application/problem+json", function.ContentType);
        var problem = function.Json;
        // Every member the server writes, with the same value, except the request's own trace id: the server writes it
        // twice (traceId, and trace_id from its snake_case JSON settings), the function once, as traceId.
        string[] traceIds = ["traceId", "trace_id"];
        var compared = serverProblem.EnumerateObject().Where(m => !traceIds.Contains(m.Name)).ToList();
        foreach (var member in compared)
        {
            Assert.True(problem.TryGetProperty(member.Name, out var value), $"the function's problem has no '{member.Name}': {function.Body}; the server's: {serverProblem}");
            Assert.True(JsonElement.DeepEquals(member.Value, value), $"'{member.Name}': server {member.Value}, function {value}");
        }

        Assert.True(problem.TryGetProperty("traceId", out var traceId) && traceId.GetString() is { Length: > 0 }, $"the function's problem has no traceId: {function.Body}");
        Assert.Equal(compared.Count + 1, problem.EnumerateObject().Count());
    }

    private async Task<JsonDocument> PostAsync(string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        using var response = await hosts.Server.PostAsync(path, content);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private static float[] Vector(JsonElement item) =>
        item.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * (double)b[i];
            na += a[i] * (double)a[i];
            nb += b[i] * (double)b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }
}
