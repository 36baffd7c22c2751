using System.Text.Json.Nodes;
using ReferenceArchitectures.Functions.InferenceApi;
using ReferenceArchitectures.Testing.LocalBedrock;
using ReferenceArchitectures.Testing.StackTemplates;

namespace ReferenceArchitectures.InferenceApi.Tests;

/// <summary>
/// The local runs start both functions from the synthesized template (<see cref="FunctionFixture"/>). These tests
/// check what ties the template to the code, and break a copy of the template the way a one-sided rename would: a
/// handler the executable does not register (Lambda: Runtime.HandlerNotFound), a required variable the template no
/// longer sets (the settings check), an optional one renamed so that the function would silently fall back to its
/// default.
/// </summary>
[Trait("Category", "Slow")]
public sealed class TemplateBindingTests : IAsyncLifetime
{
    private LocalBedrockServer _bedrock = null!;

    public async Task InitializeAsync() => _bedrock = await LocalBedrockServer.StartAsync(region: StackTemplate.Region);

    public async Task DisposeAsync() => await _bedrock.DisposeAsync();

    [Fact]
    public void The_route_invokes_the_buffered_handler_and_the_function_url_the_streaming_one()
    {
        var template = LambdaBedrockTemplate.Default;

        Assert.Equal(ChatHandlers.ConverseHandler, template.ApiFunction.Handler);
        Assert.Equal(ChatHandlers.ConverseStreamHandler, template.StreamFunction.Handler);
    }

    [Fact]
    public void Every_variable_the_template_sets_is_one_the_function_reads()
    {
        foreach (var function in new[] { LambdaBedrockTemplate.Default.ApiFunction, LambdaBedrockTemplate.Default.StreamFunction })
        {
            Assert.Empty(VariablesTheFunctionIgnores(function));
        }
    }

    [Fact]
    public async Task A_handler_renamed_in_the_template_alone_is_not_found_at_init()
    {
        var broken = LambdaBedrockTemplate.Default.With(IsFunctionWithHandler(ChatHandlers.ConverseHandler), function => function["Properties"]!["Handler"] = "chat");

        await using var function = await FunctionProcess.StartAsync(broken.ApiFunction, _bedrock);
        var report = await function.RuntimeApi.InitError.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("Runtime.HandlerNotFound", report.ErrorType);
        Assert.Contains("'chat'", report.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_required_variable_renamed_in_the_template_alone_fails_the_settings_check_at_init()
    {
        var broken = LambdaBedrockTemplate.Default.With(IsFunctionWithHandler(ChatHandlers.ConverseHandler), function =>
            Rename(function["Properties"]!["Environment"]!["Variables"]!.AsObject(), "BEDROCK_MODEL_ID", "BEDROCK_MODEL"));

        await using var function = await FunctionProcess.StartAsync(broken.ApiFunction, _bedrock);
        var report = await function.RuntimeApi.InitError.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("BEDROCK_MODEL_ID", report.Body, StringComparison.Ordinal);
        Assert.NotEqual(0, await function.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void An_optional_variable_renamed_in_the_template_alone_is_one_the_function_never_reads()
    {
        var broken = LambdaBedrockTemplate.Default.With(IsFunctionWithHandler(ChatHandlers.ConverseStreamHandler), function =>
            Rename(function["Properties"]!["Environment"]!["Variables"]!.AsObject(), "CHAT_MAX_PROMPT_CHARACTERS", "CHAT_MAX_PROMPT_CHARS"));

        Assert.Equal(["CHAT_MAX_PROMPT_CHARS"], VariablesTheFunctionIgnores(broken.StreamFunction));
    }

    [Fact]
    public void A_variable_lambda_reserves_in_the_template_is_refused_as_lambda_refuses_it()
    {
        var broken = LambdaBedrockTemplate.Default.With(IsFunctionWithHandler(ChatHandlers.ConverseHandler), function =>
            function["Properties"]!["Environment"]!["Variables"]!["AWS_REGION"] = "eu-west-1");

        var error = Assert.Throws<InvalidOperationException>(() => TemplateFunctions.LambdaEnvironment(broken.ApiFunction, new Dictionary<string, string>()));

        Assert.Contains("AWS_REGION", error.Message, StringComparison.Ordinal);
    }

    // The names ChatSettings, the function's one reader of its configuration, asks for, given what Lambda would set.
    private static List<string> VariablesTheFunctionIgnores(TemplateFunction function)
    {
        var environment = TemplateFunctions.LambdaEnvironment(function, new Dictionary<string, string> { ["AWS_REGION"] = StackTemplate.Region });
        var read = new HashSet<string>(StringComparer.Ordinal);
        _ = ChatSettings.FromEnvironment(name =>
        {
            read.Add(name);
            return environment.GetValueOrDefault(name);
        });
        return [.. function.Environment.Keys.Where(name => !read.Contains(name))];
    }

    private static Func<KeyValuePair<string, JsonObject>, bool> IsFunctionWithHandler(string handler) =>
        resource => (string?)resource.Value["Type"] == "AWS::Lambda::Function" && (string?)resource.Value["Properties"]?["Handler"] == handler;

    private static void Rename(JsonObject variables, string from, string to)
    {
        var value = variables[from]!.DeepClone();
        variables.Remove(from);
        variables[to] = value;
    }
}
