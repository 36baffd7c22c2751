using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ReferenceArchitectures.Functions.EmbeddingsApi;

namespace ReferenceArchitectures.EmbeddingsFunction.Tests;

/// <summary>
/// Lambda's 6 MB limit on what a synchronous invocation returns
/// (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): an answer over it would fail in Lambda and
/// reach the caller as the HTTP API's bare 5xx, so the function answers 413 with a problem instead. The local Runtime
/// API refuses an oversized response as Lambda does, so without the guard the invocation fails here too.
/// </summary>
public sealed class ResponseSizeTests
{
    /// <summary>
    /// Short texts whose answer is over 6 MB as JSON numbers and well under it as base64. Measured: 4,787 bytes of payload
    /// a text as numbers (6,702,337 for these 1,400, so at most about 1,314 texts fit) and 2,278 as base64 (3,189,107;
    /// 4,667,479 for 2,048 texts, which fit too). Each request takes 3-4 s on one model thread.
    /// </summary>
    private const int TextCount = 1_400;

    [Fact]
    public async Task An_answer_over_lambdas_6_mb_is_answered_413_and_the_same_texts_as_base64_are_answered_200()
    {
        // The most texts a request may carry in the stack (LambdaModelStackProps.MaxInputsPerRequest).
        await using var function = await FunctionProcess.StartAsync(LambdaModelTemplate.Function,
            new Dictionary<string, string?> { [EmbeddingsFunctionContract.MaxInputsPerRequestVariable] = "2048" });
        var texts = Enumerable.Range(0, TextCount).Select(i => $"text {i}").ToArray();

        var floats = await function.InvokeAsync(HttpEvents.Request("/v1/embeddings", JsonSerializer.Serialize(new { input = texts })));
        var base64 = await function.InvokeAsync(HttpEvents.Request("/v1/embeddings", JsonSerializer.Serialize(new { input = texts, encoding_format = "base64" })));

        Assert.Equal(413, floats.Status);
        Assert.Equal("application/problem+json", floats.ContentType);
        Assert.Equal("Response too large", floats.Json.GetProperty("title").GetString());
        Assert.Equal(EmbeddingsHandler.MaxResponsePayloadBytes, floats.Json.GetProperty("max").GetInt32());
        var detail = floats.Json.GetProperty("detail").GetString()!;
        var size = Regex.Match(detail, @"^The answer would have been (\d{1,3}(?:,\d{3})+) bytes; a Lambda function can return at most 6,291,456 bytes");
        Assert.True(size.Success, detail);
        Assert.InRange(int.Parse(size.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture), EmbeddingsHandler.MaxResponsePayloadBytes + 1, int.MaxValue);
        Assert.Contains("fewer texts", detail, StringComparison.Ordinal);
        Assert.Contains("\"base64\"", detail, StringComparison.Ordinal);
        Assert.Equal(200, base64.Status);
        Assert.Equal(TextCount, base64.Json.GetProperty("data").GetArrayLength());
    }
}
