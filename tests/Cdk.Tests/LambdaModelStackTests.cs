using System.Text.Json.Nodes;
using ReferenceArchitectures.Cdk.LambdaModel;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>The Lambda-hosted model as Program.cs builds it from cdk.json (all defaults), and with other props.</summary>
[Collection(SynthesizedApp.Name)]
public sealed class LambdaModelStackTests(SynthesizedAppFixture app)
{
    private readonly TemplateQuery template = new(app.LambdaModel.Json);

    [Fact]
    public void Both_routes_require_IAM_and_invoke_the_one_function()
    {
        var routes = template.OfType("AWS::ApiGatewayV2::Route").Values.Select(route => route["Properties"]!).ToList();

        Assert.Equal(["POST /v1/embeddings", "POST /v1/similarity"], routes.Select(route => (string)route["RouteKey"]!).Order());
        Assert.All(routes, route => Assert.Equal("AWS_IAM", (string?)route["AuthorizationType"]));
        var functionId = Assert.Single(template.OfType("AWS::Lambda::Function")).Key;
        var integration = Assert.Single(template.OfType("AWS::ApiGatewayV2::Integration").Values)["Properties"]!;
        Assert.Equal(functionId, (string?)integration["IntegrationUri"]!["Fn::GetAtt"]![0]);
        Assert.Equal(LambdaModelStack.Handler, (string?)template.Resource(functionId)["Properties"]!["Handler"]);
    }

    [Fact]
    public void The_function_may_write_its_own_logs_and_traces_and_nothing_else()
    {
        var functionId = Assert.Single(template.OfType("AWS::Lambda::Function")).Key;

        var actions = template.StatementsOfFunction(functionId).SelectMany(statement => TemplateQuery.Strings(statement["Action"])).ToHashSet();

        // The model is in the package: no S3, no Bedrock, no network beyond what Lambda gives every function.
        Assert.All(actions, action => Assert.True(action.StartsWith("logs:", StringComparison.Ordinal) || action.StartsWith("xray:", StringComparison.Ordinal), action));
    }

    [Fact]
    public void The_caller_policy_grants_invoke_on_exactly_the_two_routes()
    {
        var policy = template.OfType("AWS::IAM::ManagedPolicy").Values.Single();
        var statement = Assert.Single(policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())!;

        Assert.Equal(["execute-api:Invoke"], TemplateQuery.Strings(statement["Action"]));
        var resources = (statement["Resource"] as JsonArray ?? [statement["Resource"]!.DeepClone()]).Select(TemplateQuery.Render).Order().ToList();
        Assert.Equal(2, resources.Count);
        Assert.EndsWith("/$default/POST/v1/embeddings", resources[0], StringComparison.Ordinal);
        Assert.EndsWith("/$default/POST/v1/similarity", resources[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Every_alarm_goes_to_the_topic_and_covers_the_function_and_the_api()
    {
        var topicId = Assert.Single(template.OfType("AWS::SNS::Topic")).Key;
        var alarms = template.OfType("AWS::CloudWatch::Alarm").Values.Select(alarm => alarm["Properties"]!).ToList();

        Assert.All(alarms, alarm => Assert.Equal(topicId, (string?)alarm["AlarmActions"]![0]!["Ref"]));
        Assert.Equal(["5xx", "Duration", "Errors", "Throttles"], alarms.Select(alarm => (string)alarm["MetricName"]!).Order());
    }

    /// <summary>
    /// Lambda gives a function CPU in proportion to its memory, one vCPU at 1,769 MB and at most six
    /// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html): the model gets one thread per whole vCPU.
    /// </summary>
    [Theory]
    [InlineData(512, 1)]
    [InlineData(1769, 1)]
    [InlineData(3008, 1)]
    [InlineData(3538, 2)]
    [InlineData(5307, 3)]
    [InlineData(10240, 5)]
    public void The_model_runs_on_as_many_threads_as_the_memory_buys_vCPUs(int memory, int threads)
    {
        var stack = CdkTestApp.SynthesizeLambdaModel(new LambdaModelStackProps { MemorySizeMb = memory });
        var function = Assert.Single(new TemplateQuery(stack.Json).OfType("AWS::Lambda::Function").Values)["Properties"]!;

        Assert.Equal(memory, (int)function["MemorySize"]!);
        Assert.Equal(threads.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)function["Environment"]!["Variables"]!["EMBEDDINGS_INTRA_OP_THREADS"]);
    }

    [Fact]
    public void Provisioned_concurrency_puts_a_live_alias_behind_the_api()
    {
        var stack = new TemplateQuery(CdkTestApp.SynthesizeLambdaModel(new LambdaModelStackProps { ProvisionedConcurrentExecutions = 2 }).Json);

        var (aliasId, alias) = Assert.Single(stack.OfType("AWS::Lambda::Alias"));
        Assert.Equal(2, (int)alias["Properties"]!["ProvisionedConcurrencyConfig"]!["ProvisionedConcurrentExecutions"]!);
        var integration = Assert.Single(stack.OfType("AWS::ApiGatewayV2::Integration").Values)["Properties"]!;
        Assert.Equal(aliasId, (string?)integration["IntegrationUri"]!["Ref"]);
    }

    [Theory]
    [InlineData(nameof(LambdaModelStackProps.MemorySizeMb))]
    [InlineData(nameof(LambdaModelStackProps.TimeoutSeconds))]
    [InlineData(nameof(LambdaModelStackProps.MaxInputsPerRequest))]
    [InlineData(nameof(LambdaModelStackProps.ProvisionedConcurrentExecutions))]
    public void Invalid_props_are_rejected_naming_the_prop(string prop)
    {
        var props = prop switch
        {
            nameof(LambdaModelStackProps.MemorySizeMb) => new LambdaModelStackProps { MemorySizeMb = 256 },
            nameof(LambdaModelStackProps.TimeoutSeconds) => new LambdaModelStackProps { TimeoutSeconds = 28 },
            nameof(LambdaModelStackProps.MaxInputsPerRequest) => new LambdaModelStackProps { MaxInputsPerRequest = 0 },
            _ => new LambdaModelStackProps { ReservedConcurrentExecutions = 1, ProvisionedConcurrentExecutions = 2 },
        };

        var error = Assert.ThrowsAny<ArgumentException>(props.Validate);

        Assert.Equal(prop, error.ParamName);
    }

    [Fact]
    public void Outputs_give_both_endpoints_the_function_the_topic_and_the_caller_policy()
    {
        var outputs = JsonNode.Parse(app.LambdaModel.Json)!["Outputs"]!.AsObject().Select(output => output.Key).Order();

        Assert.Equal(["AlarmTopicArn", LambdaModelStack.CallerPolicyOutput, "EmbeddingsEndpoint", "FunctionName", "SimilarityEndpoint"], outputs);
    }

    [Fact]
    public void Template_matches_its_snapshot()
    {
        Snapshot.Verify(app.LambdaModel);
    }

    [Fact]
    public void Resources_that_hold_data_keep_their_logical_ids() =>
        Assert.Equal(
            [
                "AWS::Logs::LogGroup EmbeddingsApiAccessLogs42BB9F60",
                "AWS::Logs::LogGroup EmbeddingsFunctionLogs4D267188",
            ],
            DataResources.LogicalIds(app.LambdaModel));
}
