namespace ReferenceArchitectures.InferenceApi.Tests;

/// <summary>Every kind of bad input is answered 400 with a problem document that says what is wrong, and reaches no model.</summary>
[Collection(StartedFunctions.Name)]
public sealed class BadInputTests(FunctionFixture function)
{
    public static TheoryData<string, string, string> BadRequests => new()
    {
        { "malformed JSON", """{"messages":[{"role":"user","content":"hi"}""", "not valid JSON" },
        { "not an object", """["hello"]""", "must be a JSON object" },
        { "empty body", "", "no body" },
        { "missing messages", """{"system":"hi"}""", "'messages' is required" },
        { "messages not an array", """{"messages":"hi"}""", "must be an array" },
        { "empty messages", """{"messages":[]}""", "at least one message" },
        { "message not an object", """{"messages":["hi"]}""", "must be an object" },
        { "missing role", """{"messages":[{"content":"hi"}]}""", "'messages[0].role' is required" },
        { "unknown role", """{"messages":[{"role":"wizard","content":"hi"}]}""", "'messages[0].role' is 'wizard'" },
        { "system role in messages", """{"messages":[{"role":"system","content":"hi"}]}""", "put instructions in 'system'" },
        { "first message from the assistant", """{"messages":[{"role":"assistant","content":"hi"}]}""", "first message" },
        { "missing content", """{"messages":[{"role":"user"}]}""", "'messages[0].content' is required" },
        { "content not a string", """{"messages":[{"role":"user","content":42}]}""", "must be a string" },
        { "empty content", """{"messages":[{"role":"user","content":"  "}]}""", "must not be empty" },
        { "maxTokens zero", """{"messages":[{"role":"user","content":"hi"}],"maxTokens":0}""", "'maxTokens' is 0" },
        { "maxTokens too large", """{"messages":[{"role":"user","content":"hi"}],"maxTokens":100000000}""", "'maxTokens'" },
        { "maxTokens not a number", """{"messages":[{"role":"user","content":"hi"}],"maxTokens":"many"}""", "whole number" },
        { "maxTokens fractional", """{"messages":[{"role":"user","content":"hi"}],"maxTokens":1.5}""", "whole number" },
        { "temperature above 1", """{"messages":[{"role":"user","content":"hi"}],"temperature":1.5}""", "'temperature' is 1.5" },
        { "temperature negative", """{"messages":[{"role":"user","content":"hi"}],"temperature":-0.1}""", "'temperature' is -0.1" },
        { "topP above 1", """{"messages":[{"role":"user","content":"hi"}],"topP":2}""", "'topP' is 2" },
        { "system not a string", """{"messages":[{"role":"user","content":"hi"}],"system":["x"]}""", "'system' must be a string" },
        { "unknown field", """{"messages":[{"role":"user","content":"hi"}],"model":"gpt"}""", "Unknown field 'model'" },
        { "prompt over the size limit", HttpEventBuilder.ChatBody(new string('x', LambdaBedrockTemplate.Props.MaxPromptCharacters!.Value + 1)), $"at most {LambdaBedrockTemplate.Props.MaxPromptCharacters}" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_is_answered_400_with_a_problem_document(string _, string body, string expectedDetail)
    {
        var before = function.Bedrock.Requests.Count;

        var answer = await function.ChatAsync(HttpEventBuilder.Post(body));

        answer.AssertStatus(400);
        Assert.Equal("application/problem+json", answer.Header("content-type"));
        Assert.Equal(400, answer.Json.GetProperty("status").GetInt32());
        Assert.Contains(expectedDetail, answer.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, function.Bedrock.Requests.Count);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}""", "ends before the JSON is complete")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],}""", "unexpected '}' at line 1, column 46")]
    [InlineData("{\n  \"messages\": [x]\n}", "unexpected 'x' at line 2, column 16")]
    public async Task Malformed_JSON_is_described_in_the_callers_terms(string body, string expectedDetail)
    {
        // The function is built with UseSystemResourceKeys, so a JsonException's own message is a resource key
        // ("ZeroDepthAtEnd, LineNumber: 0 | BytePositionInLine: 44."), which means nothing to a caller.
        var answer = await function.ChatAsync(HttpEventBuilder.Post(body));

        answer.AssertStatus(400);
        var detail = answer.Json.GetProperty("detail").GetString()!;
        Assert.StartsWith("The request body is not valid JSON", detail, StringComparison.Ordinal);
        Assert.Contains(expectedDetail, detail, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("BytePositionInLine", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_marked_base64_that_is_not_base64_is_answered_400()
    {
        var answer = await function.ChatAsync(System.Text.Encoding.UTF8.GetBytes(
            """{"version":"2.0","body":"***not base64***","isBase64Encoded":true}"""));

        answer.AssertStatus(400);
        Assert.Contains("base64", answer.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invocation_payload_that_is_not_an_HTTP_event_is_answered_400()
    {
        var answer = await function.ChatAsync("[1,2,3]"u8.ToArray());

        answer.AssertStatus(400);
    }
}
