using System.Text.Json;
using ReferenceArchitectures.Testing.LocalBedrock;
using ReferenceArchitectures.Testing.StackTemplates;

namespace ReferenceArchitectures.InferenceApi.Tests;

/// <summary>
/// Start-up: configuration errors become init errors that name the setting; settings reach Bedrock. Each function
/// starts from the template's configuration of the API function, with the variables under test set on top.
/// </summary>
public sealed class InitializationTests : IAsyncLifetime
{
    private LocalBedrockServer _bedrock = null!;

    public async Task InitializeAsync() => _bedrock = await LocalBedrockServer.StartAsync(region: StackTemplate.Region);

    public async Task DisposeAsync() => await _bedrock.DisposeAsync();

    [Theory]
    [InlineData("BEDROCK_MODEL_ID", null, "BEDROCK_MODEL_ID")]
    [InlineData("CHAT_MAX_PROMPT_CHARACTERS", "lots", "CHAT_MAX_PROMPT_CHARACTERS")]
    [InlineData("BEDROCK_GUARDRAIL_ID", "gr-123", "BEDROCK_GUARDRAIL_VERSION")]
    [InlineData("_HANDLER", "converse-batch", "converse-stream")]
    public async Task A_bad_setting_is_reported_as_an_init_error_that_names_it(string variable, string? value, string named)
    {
        await using var function = await FunctionProcess.StartAsync(LambdaBedrockTemplate.Default.ApiFunction, _bedrock,
            new Dictionary<string, string?> { [variable] = value });

        var report = await function.RuntimeApi.InitError.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains(named, report.Body, StringComparison.Ordinal);
        Assert.NotEqual(0, await function.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_configured_guardrail_is_sent_with_every_model_call()
    {
        await using var function = await FunctionProcess.StartAsync(LambdaBedrockTemplate.Default.ApiFunction, _bedrock, new Dictionary<string, string?>
        {
            ["BEDROCK_GUARDRAIL_ID"] = "gr-abc123",
            ["BEDROCK_GUARDRAIL_VERSION"] = "3",
        });

        var answer = HttpAnswer.FromBuffered(await FunctionFixture.InvokeAsync(function, HttpEventBuilder.Chat("hi")));

        answer.AssertStatus(200);
        var guardrail = _bedrock.Requests[^1].Body!.Value.GetProperty("guardrailConfig");
        Assert.Equal("gr-abc123", guardrail.GetProperty("guardrailIdentifier").GetString());
        Assert.Equal("3", guardrail.GetProperty("guardrailVersion").GetString());
    }

    [Fact]
    public async Task A_rejected_invocation_leaves_the_function_serving_the_next()
    {
        await using var function = await FunctionProcess.StartAsync(LambdaBedrockTemplate.Default.ApiFunction, _bedrock);

        var first = HttpAnswer.FromBuffered(await FunctionFixture.InvokeAsync(function, "null"u8.ToArray()));
        var second = HttpAnswer.FromBuffered(await FunctionFixture.InvokeAsync(function, HttpEventBuilder.Chat("still there?")));

        first.AssertStatus(400);
        second.AssertStatus(200);
        Assert.False(function.HasExited);
        _ = JsonDocument.Parse(second.Body);
    }
}
