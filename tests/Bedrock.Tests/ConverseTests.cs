using System.Text.Json;

namespace ReferenceArchitectures.Bedrock.Tests;

public sealed class ConverseTests : LocalBedrockHarness
{
    [Fact]
    public async Task Converse_sends_camel_case_json_and_reads_the_reply()
    {
        Server.Enqueue(ReferenceArchitectures.Testing.LocalBedrock.Behaviour.Text("Paris is the capital."));
        using var client = CreateClient();
        var request = UserSays("What is the capital of France?") with
        {
            System = [new SystemContentBlock("Answer briefly.")],
            InferenceConfig = new InferenceConfiguration { MaxTokens = 100, Temperature = 0.5f, TopP = 0.9f, StopSequences = ["END"] },
        };

        var response = await client.ConverseAsync(request);

        Assert.Equal("Paris is the capital.", response.Output.Message?.Content.Single().Text);
        Assert.Equal(StopReasons.EndTurn, response.StopReason);
        Assert.Equal(4, response.Usage?.OutputTokens);
        Assert.StartsWith("local-", response.RequestId, StringComparison.Ordinal);
        var body = Server.Requests.Single().Body!.Value;
        Assert.Equal("user", body.GetProperty("messages")[0].GetProperty("role").GetString());
        Assert.Equal("What is the capital of France?", body.GetProperty("messages")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("Answer briefly.", body.GetProperty("system")[0].GetProperty("text").GetString());
        var inference = body.GetProperty("inferenceConfig");
        Assert.Equal(100, inference.GetProperty("maxTokens").GetInt32());
        Assert.Equal(0.5, inference.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(0.9, inference.GetProperty("topP").GetDouble(), 3);
        Assert.Equal("END", inference.GetProperty("stopSequences")[0].GetString());
        Assert.False(body.TryGetProperty("toolConfig", out _), "null members are omitted");
        Assert.False(body.TryGetProperty("guardrailConfig", out _), "no guardrail unless configured");
    }

    [Fact]
    public async Task Every_request_is_signed_and_the_signature_verifies()
    {
        using var client = CreateClient();

        await client.ConverseAsync(UserSays("hello"));

        var recorded = Server.Requests.Single();
        Assert.True(recorded.Signature.IsValid, recorded.Signature.Message);
        Assert.Contains("x-amz-content-sha256", recorded.Signature.CanonicalRequest, StringComparison.Ordinal);
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=" + Server.Credentials.AccessKeyId, recorded.Headers["Authorization"], StringComparison.Ordinal);
        Assert.Contains("/us-east-1/bedrock/aws4_request", recorded.Headers["Authorization"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_token_is_sent_and_signed()
    {
        using var client = CreateClient(credentials: new StaticAwsCredentialSource(Server.Credentials.AccessKeyId, Server.Credentials.SecretAccessKey, "session-token-example"));

        await client.ConverseAsync(UserSays("hello"));

        var recorded = Server.Requests.Single();
        Assert.True(recorded.Signature.IsValid, recorded.Signature.Message);
        Assert.Equal("session-token-example", recorded.Headers["X-Amz-Security-Token"]);
        Assert.Contains("x-amz-security-token:session-token-example", recorded.Signature.CanonicalRequest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_secret_key_is_rejected_with_403_and_not_retried()
    {
        using var client = CreateClient(credentials: new StaticAwsCredentialSource(Server.Credentials.AccessKeyId, "not-the-secret"));

        var error = await Assert.ThrowsAsync<BedrockException>(() => client.ConverseAsync(UserSays("hello")));

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, error.StatusCode);
        Assert.Equal("InvalidSignatureException", error.ErrorCode);
        Assert.False(error.IsRetryable);
        Assert.Equal(1, error.Attempts);
        Assert.Single(Server.Requests);
    }

    [Fact]
    public async Task Local_endpoint_with_a_session_token_rejects_a_different_token()
    {
        await using var server = await ReferenceArchitectures.Testing.LocalBedrock.LocalBedrockServer.StartAsync(
            new ReferenceArchitectures.Testing.LocalBedrock.LocalBedrockCredentials("AKIDTOKEN", "secret", "expected-token"));
        using var client = new BedrockChatClient(Http, new BedrockClientOptions { Region = server.Region, ModelId = ModelId, Endpoint = server.Endpoint },
            new StaticAwsCredentialSource("AKIDTOKEN", "secret", "stale-token"));

        var error = await Assert.ThrowsAsync<BedrockException>(() => client.ConverseAsync(UserSays("hello")));

        Assert.Equal("UnrecognizedClientException", error.ErrorCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, error.StatusCode);
    }

    [Theory]
    [InlineData("us.anthropic.claude-3-5-haiku-20241022-v1:0")]
    [InlineData("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-lite-v1:0")]
    [InlineData("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0")]
    public async Task Model_id_travels_as_one_percent_encoded_path_segment(string modelId)
    {
        using var client = CreateClient();

        await client.ConverseAsync(UserSays("hello"), modelId);

        var recorded = Server.Requests.Single();
        Assert.Equal(modelId, recorded.ModelId);
        Assert.Equal("converse", recorded.Operation);
        Assert.Equal($"/model/{Uri.EscapeDataString(modelId)}/converse", recorded.RawTarget);
        Assert.True(recorded.Signature.IsValid, recorded.Signature.Message);
    }

    [Fact]
    public async Task Configured_model_is_used_when_the_call_names_none()
    {
        using var client = CreateClient();

        await client.ConverseAsync(UserSays("hello"));

        Assert.Equal(ModelId, Server.Requests.Single().ModelId);
    }

    [Fact]
    public async Task Guardrail_config_is_sent_when_configured()
    {
        using var client = CreateClient(o => With(o, guardrailId: "gr-abc123", guardrailVersion: "2"));

        await client.ConverseAsync(UserSays("hello"));

        var guardrail = Server.Requests.Single().Body!.Value.GetProperty("guardrailConfig");
        Assert.Equal("gr-abc123", guardrail.GetProperty("guardrailIdentifier").GetString());
        Assert.Equal("2", guardrail.GetProperty("guardrailVersion").GetString());
    }

    [Fact]
    public async Task Tool_config_and_tool_results_use_the_wire_shapes()
    {
        Server.Enqueue(ReferenceArchitectures.Testing.LocalBedrock.Behaviour.ToolUse("get_weather", """{"city":"Oslo"}""", "tool-1"));
        using var client = CreateClient();
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""");
        var request = UserSays("Weather in Oslo?") with
        {
            ToolConfig = new ToolConfiguration([new Tool(new ToolSpecification("get_weather", new ToolInputSchema(schema.RootElement)) { Description = "Current weather" })])
            {
                ToolChoice = ToolChoice.AutoChoice,
            },
        };

        var response = await client.ConverseAsync(request);

        var toolUse = response.Output.Message!.Content.Single().ToolUse!;
        Assert.Equal(("tool-1", "get_weather", "Oslo"), (toolUse.ToolUseId, toolUse.Name, toolUse.Input.GetProperty("city").GetString()));
        Assert.Equal(StopReasons.ToolUse, response.StopReason);
        var toolConfig = Server.Requests.Single().Body!.Value.GetProperty("toolConfig");
        var spec = toolConfig.GetProperty("tools")[0].GetProperty("toolSpec");
        Assert.Equal("get_weather", spec.GetProperty("name").GetString());
        Assert.Equal("Current weather", spec.GetProperty("description").GetString());
        Assert.Equal("object", spec.GetProperty("inputSchema").GetProperty("json").GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Object, toolConfig.GetProperty("toolChoice").GetProperty("auto").ValueKind);
    }

    [Fact]
    public async Task Malformed_request_is_reported_as_validation_error()
    {
        using var client = CreateClient();

        var error = await Assert.ThrowsAsync<BedrockException>(() => client.ConverseAsync(new ConverseRequest { Messages = [] }));

        Assert.Equal(ErrorCodes.Validation, error.ErrorCode);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.StatusCode);
    }
}
