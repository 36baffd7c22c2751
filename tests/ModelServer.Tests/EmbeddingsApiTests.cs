using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Embeddings;

namespace ReferenceArchitectures.ModelServer.Tests;

[CollectionDefinition(Name)]
public sealed class SharedServer : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}

[Collection(SharedServer.Name)]
public sealed class EmbeddingsApiTests(ServerFixture fixture)
{
    private HttpClient Client => fixture.Server.Client;

    private async Task<JsonObject> PostAsync(string path, object body)
    {
        using var response = await Client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private static float[] Floats(JsonNode? embedding) => embedding!.AsArray().Select(n => n!.GetValue<float>()).ToArray();

    private static float Dot(float[] a, float[] b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);

    [Fact]
    public async Task Liveness_answers_ok()
    {
        using var response = await Client.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Readiness_names_the_loaded_model()
    {
        var body = await Client.GetFromJsonAsync<JsonObject>("/health/ready");

        Assert.Equal("ready", (string?)body!["status"]);
        Assert.Equal("all-MiniLM-L6-v2", (string?)body["model"]);
    }

    [Fact]
    public async Task Embeddings_come_back_in_openai_shape()
    {
        var body = await PostAsync("/v1/embeddings", new { input = new[] { "hello world", "A second, longer text." }, model = "all-MiniLM-L6-v2" });

        Assert.Equal("list", (string?)body["object"]);
        Assert.Equal("all-MiniLM-L6-v2", (string?)body["model"]);
        var data = body["data"]!.AsArray();
        Assert.Equal(2, data.Count);
        for (var i = 0; i < data.Count; i++)
        {
            Assert.Equal("embedding", (string?)data[i]!["object"]);
            Assert.Equal(i, (int?)data[i]!["index"]);
            Assert.Equal(384, data[i]!["embedding"]!.AsArray().Count);
        }

        Assert.Equal(4 + 8, (int?)body["usage"]!["prompt_tokens"]);
        Assert.Equal((int?)body["usage"]!["prompt_tokens"], (int?)body["usage"]!["total_tokens"]);
        Assert.Empty(body["truncated"]!.AsArray());
    }

    [Fact]
    public async Task A_single_string_input_gives_one_unit_length_embedding()
    {
        var body = await PostAsync("/v1/embeddings", new { input = "just one" });

        var vector = Floats(body["data"]![0]!["embedding"]);
        Assert.Single(body["data"]!.AsArray());
        Assert.Equal(1.0, Math.Sqrt(Dot(vector, vector)), 4);
    }

    [Fact]
    public async Task Base64_encoding_round_trips_to_the_float_vectors()
    {
        var floats = await PostAsync("/v1/embeddings", new { input = "round trip", encoding_format = "float" });
        var base64 = await PostAsync("/v1/embeddings", new { input = "round trip", encoding_format = "base64" });

        var decoded = MemoryMarshal.Cast<byte, float>(Convert.FromBase64String((string)base64["data"]![0]!["embedding"]!)).ToArray();
        Assert.Equal(Floats(floats["data"]![0]!["embedding"]), decoded);
    }

    [Fact]
    public async Task The_openai_client_library_works_against_the_server()
    {
        var client = new EmbeddingClient("all-MiniLM-L6-v2", new ApiKeyCredential("not-checked"),
            new OpenAIClientOptions { Endpoint = new Uri(fixture.Server.Address, "/v1") });

        var result = await client.GenerateEmbeddingsAsync(["A man is playing a guitar.", "Someone plays the guitar.", "Stocks fell sharply."]);

        var vectors = result.Value.Select(e => e.ToFloats().ToArray()).ToArray();
        Assert.All(vectors, v => Assert.Equal(384, v.Length));
        Assert.True(Dot(vectors[0], vectors[1]) > Dot(vectors[0], vectors[2]) + 0.3f);
        Assert.True(result.Value.Usage.InputTokenCount > 0);
    }

    [Fact]
    public async Task Texts_over_256_tokens_are_truncated_and_listed()
    {
        var body = await PostAsync("/v1/embeddings", new { input = new[] { "short", string.Join(' ', Enumerable.Repeat("word", 400)) } });

        Assert.Equal([1], body["truncated"]!.AsArray().Select(n => (int)n!));
        Assert.Equal(3 + 256, (int?)body["usage"]!["prompt_tokens"]);
    }

    [Fact]
    public async Task Embeddings_of_one_text_do_not_depend_on_its_batch_neighbours()
    {
        var alone = await PostAsync("/v1/embeddings", new { input = "A cat sits." });
        var together = await PostAsync("/v1/embeddings", new { input = new[] { "A very long sentence about cats that sit on mats in the warm afternoon sun.", "A cat sits." } });

        Assert.True(Dot(Floats(alone["data"]![0]!["embedding"]), Floats(together["data"]![1]!["embedding"])) > 0.9999f);
    }

    [Fact]
    public async Task Concurrent_requests_each_get_their_own_embeddings()
    {
        var texts = Enumerable.Range(0, 40).Select(i => $"Sentence number {i} talks about topic {i % 7}.").ToArray();
        var expected = await PostAsync("/v1/embeddings", new { input = texts });

        var answers = await Task.WhenAll(texts.Select(t => PostAsync("/v1/embeddings", new { input = t })));

        for (var i = 0; i < texts.Length; i++)
        {
            Assert.True(Dot(Floats(expected["data"]![i]!["embedding"]), Floats(answers[i]["data"]![0]!["embedding"])) > 0.9999f, $"request {i} got another text's embedding");
        }
    }

    [Fact]
    public async Task Similarity_scores_each_candidate_by_cosine_in_order()
    {
        var body = await PostAsync("/v1/similarity", new { source = "A man is playing a guitar.", candidates = new[] { "The stock market fell.", "Someone plays the guitar." } });

        var scores = body["data"]!.AsArray().Select(d => ((int)d!["index"]!, (float)d["score"]!)).ToArray();
        Assert.Equal([0, 1], scores.Select(s => s.Item1));
        Assert.True(scores[1].Item2 > 0.6f && scores[0].Item2 < 0.3f, $"scores {scores[0].Item2}, {scores[1].Item2}");
        Assert.False((bool)body["source_truncated"]!);
    }

    [Fact]
    public async Task Metrics_expose_requests_latency_batch_size_queue_depth_and_the_runtimes_JIT()
    {
        await PostAsync("/v1/embeddings", new { input = "count me" });

        var metrics = await Client.GetStringAsync("/metrics");

        Assert.Contains("modelserver_requests_total{", metrics, StringComparison.Ordinal);
        Assert.Contains("modelserver_request_duration_seconds_bucket{", metrics, StringComparison.Ordinal);
        Assert.Contains("modelserver_batch_size_", metrics, StringComparison.Ordinal);
        Assert.Contains("modelserver_queue_depth", metrics, StringComparison.Ordinal);
        // The benchmark warms the server up until this count stops rising.
        Assert.Matches(@"(?m)^dotnet_jit_compiled_methods_total(\{[^}]*\})? [1-9]", metrics);
    }
}
