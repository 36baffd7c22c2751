using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using ReferenceArchitectures.LambdaRuntime;
using ReferenceArchitectures.Testing.LocalAws;
using States = ReferenceArchitectures.Cdk.HybridPipeline.HybridPipelineStack.StateNames;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>
/// The local runs start each function and the worker from the synthesized template. These tests break a copy of the
/// template the way a one-sided rename would, and check that the local start fails as Lambda or the container would:
/// a handler the code does not register (Lambda: Runtime.HandlerNotFound), a variable the code requires but the template
/// no longer sets (the code's settings check).
/// </summary>
public sealed class TemplateBindingTests : IAsyncLifetime, IDisposable
{
    private LocalAwsServer? _aws;
    private PipelineAwsClients? _clients;
    private readonly UnusedChatClient _chat = new();

    public async Task InitializeAsync()
    {
        _aws = await LocalAwsServer.StartAsync();
        _clients = new PipelineAwsClients(LocalAwsClients.S3(_aws), LocalAwsClients.DynamoDb(_aws), LocalAwsClients.Sqs(_aws));
    }

    public void Dispose()
    {
        _clients?.Dispose();
        _chat.Dispose();
    }

    public async Task DisposeAsync()
    {
        if (_aws is not null)
        {
            await _aws.DisposeAsync();
        }
    }

    [Fact]
    public void Every_lambda_state_invokes_a_function_whose_handler_and_environment_the_code_accepts()
    {
        var handlers = RealPipelineTasks.LambdaStates.Select(state =>
        {
            var function = PipelineTemplate.Default.FunctionOfState(state);
            Assert.NotNull(RealPipelineTasks.Bind(function, _clients!, _chat));
            return function.Handler;
        }).ToList();

        Assert.Equal(handlers.Count, handlers.Distinct().Count());
    }

    [Fact]
    public void A_handler_renamed_in_the_template_alone_is_not_found()
    {
        var broken = Broken(resource => resource["Properties"]?["Handler"] is JsonValue handler && (string?)handler == "analyze",
            properties => properties["Handler"] = "analyse");

        var function = broken.FunctionOfState(States.Analyze);

        var error = Assert.Throws<LambdaHandlerNotFoundException>(() => RealPipelineTasks.Bind(function, _clients!, _chat));
        Assert.Contains("'analyse'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_environment_variable_renamed_in_the_template_alone_fails_the_settings_check()
    {
        var broken = Broken(resource => (string?)resource["Properties"]?["Handler"] == "store", properties =>
        {
            var variables = properties["Environment"]!["Variables"]!.AsObject();
            var value = variables["TABLE_NAME"]!.DeepClone();
            variables.Remove("TABLE_NAME");
            variables["DOCUMENT_TABLE"] = value;
        });

        var function = broken.FunctionOfState(States.Store);

        var error = Assert.Throws<InvalidOperationException>(() => RealPipelineTasks.Bind(function, _clients!, _chat));
        Assert.Contains("TABLE_NAME", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_worker_starts_from_the_task_definition_and_the_states_overrides_and_fails_without_a_variable_it_needs()
    {
        var overrides = WorkerOverrides();
        Assert.NotNull(RealPipelineTasks.WorkerSettingsFor(PipelineTemplate.Default.WorkerEnvironment(), overrides));

        var environment = PipelineTemplate.Default.WorkerEnvironment().Where(v => v.Key != "OUTPUT_BUCKET").ToDictionary();
        var error = Assert.Throws<InvalidOperationException>(() => RealPipelineTasks.WorkerSettingsFor(environment, overrides));
        Assert.Contains("OUTPUT_BUCKET", error.Message, StringComparison.Ordinal);
    }

    // The names the state machine's RunTask overrides set, with placeholder values.
    private static JsonObject WorkerOverrides()
    {
        var state = JsonNode.Parse(PipelineDefinition.Json)!["States"]![States.AnalyzeLargeDocument]!;
        var names = state["Parameters"]!["Overrides"]!["ContainerOverrides"]![0]!["Environment"]!.AsArray().Select(v => (string)v!["Name"]!);
        return new JsonObject(names.Select(name => KeyValuePair.Create(name, (JsonNode?)JsonValue.Create("placeholder"))));
    }

    private static PipelineTemplate Broken(Func<JsonNode, bool> which, Action<JsonObject> change)
    {
        var template = JsonNode.Parse(PipelineDefinition.TemplateJson)!;
        var resource = template["Resources"]!.AsObject().Single(r => which(r.Value!)).Value!;
        change(resource["Properties"]!.AsObject());
        return new PipelineTemplate(template.ToJsonString(), PipelineDefinition.Json);
    }

    private sealed class UnusedChatClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("Binding a function calls no model.");

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("Binding a function calls no model.");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
