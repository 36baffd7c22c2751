using System.Text.Json;
using ReferenceArchitectures.Testing.LocalBedrock;

namespace ReferenceArchitectures.InferenceApi.Tests;

/// <summary>The <c>converse</c> handler behind <c>POST /v1/chat</c>, run as a process against local endpoints.</summary>
[Collection(StartedFunctions.Name)]
public sealed class ChatEndpointTests(FunctionFixture function)
{
    [Fact]
    public async Task A_chat_request_is_answered_with_the_models_reply_and_usage()
    {
        function.Bedrock.Enqueue(Behaviour.Text("Paris is the capital of France."));

        var answer = await function.ChatAsync(HttpEventBuilder.Post(
            """{"messages":[{"role":"user","content":"Capital of France?"}],"system":"Be brief.","maxTokens":64,"temperature":0.2}"""));

        answer.AssertStatus(200);
        Assert.Equal("application/json", answer.Header("content-type"));
        Assert.Equal("assistant", answer.Json.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("Paris is the capital of France.", answer.Json.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", answer.Json.GetProperty("finishReason").GetString());
        Assert.True(answer.Json.GetProperty("usage").GetProperty("outputTokens").GetInt64() > 0);

        var sent = function.Bedrock.Requests[^1];
        Assert.Equal("converse", sent.Operation);
        Assert.Equal(LambdaBedrockTemplate.Props.ModelId, sent.ModelId);
        Assert.True(sent.Signature.IsValid, "the request to Bedrock was not correctly signed");
        var body = sent.Body!.Value;
        Assert.Equal("Be brief.", body.GetProperty("system")[0].GetProperty("text").GetString());
        Assert.Equal(64, body.GetProperty("inferenceConfig").GetProperty("maxTokens").GetInt32());
        Assert.Equal(0.2, body.GetProperty("inferenceConfig").GetProperty("temperature").GetDouble(), 3);
    }

    [Fact]
    public async Task Prompt_cache_tokens_are_reported_in_the_usage()
    {
        function.Bedrock.Enqueue(Behaviour.CachedText("from the cache", cacheReadInputTokens: 900, cacheWriteInputTokens: 40));

        var answer = await function.ChatAsync(HttpEventBuilder.Chat("hello"));

        answer.AssertStatus(200);
        var usage = answer.Json.GetProperty("usage");
        Assert.Equal(900, usage.GetProperty("cacheReadInputTokens").GetInt64());
        Assert.Equal(40, usage.GetProperty("cacheWriteInputTokens").GetInt64());
    }

    [Fact]
    public async Task A_context_window_overflow_finishes_with_length()
    {
        function.Bedrock.Enqueue(Behaviour.Text("cut short", "model_context_window_exceeded"));

        var answer = await function.ChatAsync(HttpEventBuilder.Chat("hello"));

        answer.AssertStatus(200);
        Assert.Equal("length", answer.Json.GetProperty("finishReason").GetString());
    }

    [Theory]
    [InlineData("malformed_model_output")]
    [InlineData("malformed_tool_use")]
    public async Task Output_Bedrock_could_not_read_is_answered_502(string stopReason)
    {
        // The model's output was invalid; a 200 would hand the caller something broken as if it were an answer.
        function.Bedrock.Enqueue(Behaviour.Text("{garbled", stopReason));

        var answer = await function.ChatAsync(HttpEventBuilder.Chat("hello"));

        answer.AssertStatus(502);
        Assert.Equal("application/problem+json", answer.Header("content-type"));
        Assert.Contains(stopReason, answer.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_base64_encoded_body_is_decoded()
    {
        var answer = await function.ChatAsync(HttpEventBuilder.Post(HttpEventBuilder.ChatBody("echo me"), base64: true));

        answer.AssertStatus(200);
        Assert.Contains("echo me", answer.Json.GetProperty("message").GetProperty("content").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throttling_that_outlasts_the_retries_is_answered_429_with_Retry_After()
    {
        function.Bedrock.Enqueue(Behaviour.Throttling(), times: Attempts);
        var before = RequestsSeen;

        var answer = await function.ChatAsync(HttpEventBuilder.Chat("hello"));

        Assert.Equal(Attempts, RequestsSeen - before);

        answer.AssertStatus(429);
        Assert.Equal("application/problem+json", answer.Header("content-type"));
        Assert.True(int.Parse(answer.Header("retry-after"), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal(429, answer.Json.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Throttling_that_ends_within_the_retries_is_invisible_to_the_caller()
    {
        function.Bedrock.Enqueue(Behaviour.Throttling(), times: 2);
        function.Bedrock.Enqueue(Behaviour.Text("finally"));

        var answer = await function.ChatAsync(HttpEventBuilder.Chat("hello"));

        answer.AssertStatus(200);
        Assert.Equal("finally", answer.Json.GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task A_model_that_does_not_answer_before_the_deadline_is_answered_504()
    {
        function.Bedrock.Enqueue(Behaviour.Delay(TimeSpan.FromSeconds(20)));

        var answer = await function.ChatAsync(HttpEventBuilder.Chat("slow"), timeout: TimeSpan.FromSeconds(3));

        answer.AssertStatus(504);
        Assert.Contains("deadline", answer.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_timeout_reported_by_Bedrock_is_answered_504()
    {
        function.Bedrock.Enqueue(Behaviour.ModelTimeout());

        var answer = await function.ChatAsync(HttpEventBuilder.Chat("hello"));

        answer.AssertStatus(504);
    }

    [Theory]
    [InlineData("AccessDenied")]
    [InlineData("ResourceNotFound")]
    public async Task Access_denied_or_a_model_not_enabled_is_answered_502_telling_the_operator_what_to_do(string fault)
    {
        function.Bedrock.Enqueue(fault == "AccessDenied" ? Behaviour.AccessDenied() : Behaviour.ResourceNotFound());

        var answer = await function.ChatAsync(HttpEventBuilder.Chat("hello"));

        answer.AssertStatus(502);
        var detail = answer.Json.GetProperty("detail").GetString()!;
        Assert.Contains("enable access", detail, StringComparison.Ordinal);
        Assert.Contains(LambdaBedrockTemplate.Props.ModelId, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_Bedrock_rejects_as_invalid_is_answered_400_with_Bedrocks_reason()
    {
        function.Bedrock.Enqueue(Behaviour.Validation("maxTokens exceeds the model's limit of 5000."));

        var answer = await function.ChatAsync(HttpEventBuilder.Chat("hello"));

        answer.AssertStatus(400);
        // Bedrock's own message and nothing from inside the function (no status line, no error code).
        Assert.Equal("Bedrock rejected the request: maxTokens exceeds the model's limit of 5000.", answer.Json.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_model_that_stays_unavailable_is_answered_503_with_Retry_After()
    {
        function.Bedrock.Enqueue(Behaviour.ServiceUnavailable(), times: Attempts);

        var answer = await function.ChatAsync(HttpEventBuilder.Chat("hello"));

        answer.AssertStatus(503);
        Assert.NotEmpty(answer.Header("retry-after"));
    }

    [Fact]
    public async Task Problem_documents_carry_the_request_id_and_no_internals()
    {
        function.Bedrock.Enqueue(Behaviour.InternalServerError(), times: Attempts);

        var answer = await function.ChatAsync(HttpEventBuilder.Chat("hello"));

        answer.AssertStatus(502);
        Assert.False(string.IsNullOrEmpty(answer.Json.GetProperty("requestId").GetString()));
        Assert.DoesNotContain("Exception:", answer.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", answer.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_lines_are_JSON_with_the_request_id()
    {
        var result = await FunctionFixture.InvokeAsync(function.Converse, HttpEventBuilder.Post("{not json"));

        var lines = function.Converse.StandardOutput
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(line => line.TryGetProperty("requestId", out var id) && id.GetString() == result.RequestId)
            .ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.False(string.IsNullOrEmpty(line.GetProperty("level").GetString())));
    }

    // The function uses the client's default retry budget; a fault that lasts that many attempts is final.
    private static int Attempts => new ReferenceArchitectures.Bedrock.BedrockClientOptions { Region = "us-east-1", ModelId = "m" }.MaxAttempts;

    private int RequestsSeen => function.Bedrock.Requests.Count;
}
