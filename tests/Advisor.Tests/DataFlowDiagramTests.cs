using ReferenceArchitectures.Cdk.FargateModel;
using ReferenceArchitectures.Cdk.GpuInference;
using ReferenceArchitectures.Cdk.HybridPipeline;
using ReferenceArchitectures.Cdk.LambdaBedrock;
using ReferenceArchitectures.Tools.Advisor.Diagrams;
using static ReferenceArchitectures.Advisor.Tests.DiagramQueries;

namespace ReferenceArchitectures.Advisor.Tests;

/// <summary>Each pattern's diagram draws its main path the way requests and events travel, labelled with the calls.</summary>
[Collection(SynthesizedAppGroup.Name)]
public sealed class DataFlowDiagramTests(SynthesizedAppFixture app)
{
    [Fact]
    public void Pattern_1_client_calls_the_api_which_invokes_the_function_which_calls_bedrock_converse()
    {
        var graph = app.Graph(LambdaBedrockStack.ConstructId);
        var client = graph.Single(ArchitectureGraph.ClientType);
        var api = graph.Single("AWS::ApiGatewayV2::Api");
        var bedrock = graph.Single(ArchitectureGraph.ExternalServiceType);

        var route = graph.MainPathArrow(client, api);
        var invoke = Assert.Single(graph.Edges, edge => edge.From == api.Id && graph.Node(edge.To).Type == Function);
        var converse = graph.MainPathArrow(graph.Node(invoke.To), bedrock);

        Assert.Equal(["POST /v1/chat"], route.Labels);
        Assert.Equal(["InvokeFunction"], invoke.Labels);
        Assert.Equal(["Converse"], converse.Labels);
        Assert.Empty(graph.Between(graph.Node(invoke.To), api));
    }

    [Fact]
    public void Pattern_1_client_streams_from_the_function_url_whose_function_calls_bedrock_converse_stream()
    {
        var graph = app.Graph(LambdaBedrockStack.ConstructId);
        var client = graph.Single(ArchitectureGraph.ClientType);
        var bedrock = graph.Single(ArchitectureGraph.ExternalServiceType);

        var url = Assert.Single(graph.Edges, edge => edge.From == client.Id && graph.Node(edge.To).Type == Function);
        var stream = graph.MainPathArrow(graph.Node(url.To), bedrock);

        Assert.Equal(["InvokeFunctionUrl (streamed)"], url.Labels);
        Assert.Equal(["ConverseStream"], stream.Labels);
    }

    [Theory]
    [InlineData(FargateModelStack.ConstructId)]
    [InlineData(GpuInferenceStack.ConstructId)]
    public void Patterns_2_and_3_client_calls_the_signed_api_which_reaches_the_load_balancer_which_forwards_to_the_service(string stackName)
    {
        var graph = app.Graph(stackName);
        var client = graph.Single(ArchitectureGraph.ClientType);
        var api = graph.Single("AWS::ApiGatewayV2::Api");
        var loadBalancer = graph.Single("AWS::ElasticLoadBalancingV2::LoadBalancer");
        var service = graph.Single("AWS::ECS::Service");

        var route = graph.MainPathArrow(client, api);
        var link = graph.MainPathArrow(api, loadBalancer);
        var forward = graph.MainPathArrow(loadBalancer, service);

        Assert.Equal(["ANY /v1/{proxy+}"], route.Labels);
        Assert.Equal(["HTTP (VPC link)"], link.Labels);
        Assert.Equal(["HTTP :8080"], forward.Labels);
        Assert.Empty(graph.Between(client, loadBalancer));
        Assert.Empty(graph.Between(service, loadBalancer));
    }

    [Fact]
    public void Pattern_3_service_places_its_tasks_on_gpu_capacity_off_the_main_path()
    {
        var graph = app.Graph(GpuInferenceStack.ConstructId);
        var service = graph.Single("AWS::ECS::Service");
        var provider = graph.Single("AWS::ECS::CapacityProvider");

        var placement = Assert.Single(graph.Between(service, provider));

        Assert.Equal(EdgeFlow.Placement, placement.Flow);
        Assert.False(graph.IsOnMainPath(placement));
        Assert.Equal(DiagramGroup.Capacity, provider.Group);
        Assert.Equal(DiagramGroup.Capacity, graph.Single("AWS::AutoScaling::AutoScalingGroup").Group);
    }

    [Fact]
    public void Pattern_4_upload_goes_to_the_bucket_whose_event_rule_queues_it_for_the_gate_that_starts_the_state_machine()
    {
        var graph = app.Graph(HybridPipelineStack.ConstructId);
        var client = graph.Single(ArchitectureGraph.ClientType);
        var stateMachine = graph.Single(StateMachine);

        // Only the gate starts executions: the upload rule queues the upload and wakes the gate.
        var start = Assert.Single(graph.Edges, edge => edge.To == stateMachine.Id && edge.Labels.Contains("StartExecution"));
        var gate = graph.Node(start.From);
        var objectCreated = Assert.Single(graph.Edges, edge => graph.Node(edge.To).Type == Rule && graph.Node(edge.From).Type == Bucket);
        var rule = graph.Node(objectCreated.To);
        var upload = graph.MainPathArrow(client, graph.Node(objectCreated.From));
        var wake = graph.MainPathArrow(rule, gate);
        var queued = Assert.Single(graph.Edges, edge => edge.From == rule.Id && graph.Node(edge.To).Type == Queue && edge.Labels.SequenceEqual(["SendMessage"]));
        var received = graph.MainPathArrow(gate, graph.Node(queued.To));

        Assert.Equal(Function, gate.Type);
        Assert.True(graph.IsOnMainPath(start));
        Assert.Equal(["Object Created"], objectCreated.Labels);
        Assert.Equal(["PutObject"], upload.Labels);
        Assert.Equal(["InvokeFunction"], wake.Labels);
        Assert.Contains("ReceiveMessage", received.Labels);
        Assert.Empty(graph.Between(Rule, StateMachine));
        Assert.Empty(graph.Between(Rule, Bucket));
    }

    [Fact]
    public void Pattern_4_state_machine_invokes_every_function_and_runs_the_fargate_task_synchronously()
    {
        var graph = app.Graph(HybridPipelineStack.ConstructId);
        var stateMachine = graph.Single(StateMachine);
        var task = graph.Single("AWS::ECS::TaskDefinition");

        var runTask = graph.MainPathArrow(stateMachine, task);

        Assert.Equal(["RunTask .sync"], runTask.Labels);
        // Every function but the gate, which starts the state machine rather than being invoked by it.
        var steps = graph.OfType(Function).Where(function => graph.Between(function, stateMachine).Count == 0).ToList();
        Assert.Equal(graph.OfType(Function).Count - 1, steps.Count);
        foreach (var function in steps)
        {
            Assert.Equal(["InvokeFunction"], graph.MainPathArrow(stateMachine, function).Labels);
        }
    }

    [Fact]
    public void Pattern_4_task_and_functions_write_results_to_the_bucket_and_table_and_call_bedrock()
    {
        var graph = app.Graph(HybridPipelineStack.ConstructId);
        var task = graph.Single("AWS::ECS::TaskDefinition");
        var bedrock = graph.Single(ArchitectureGraph.ExternalServiceType);
        var table = graph.Single("AWS::DynamoDB::Table");

        var writes = graph.Edges.Where(edge => edge.From == task.Id && graph.Node(edge.To).Type == Bucket && edge.Labels.Contains("PutObject")).ToList();
        var converse = graph.MainPathArrow(task, bedrock);
        var tableWriters = graph.Edges.Where(edge => edge.To == table.Id && edge.Labels.Contains("UpdateItem")).Select(edge => graph.Node(edge.From).Type).ToList();

        Assert.True(graph.IsOnMainPath(Assert.Single(writes)));
        Assert.Equal(["Converse"], converse.Labels);
        Assert.NotEmpty(tableWriters);
        Assert.All(tableWriters, type => Assert.Equal(Function, type));
        Assert.DoesNotContain(graph.Edges, edge => (edge.From == table.Id || edge.From == bedrock.Id) && graph.IsOnMainPath(edge));
    }

    [Theory]
    [InlineData(LambdaBedrockStack.ConstructId)]
    [InlineData(FargateModelStack.ConstructId)]
    [InlineData(GpuInferenceStack.ConstructId)]
    [InlineData(HybridPipelineStack.ConstructId)]
    public void Alarms_take_metrics_from_what_they_watch_and_publish_to_the_topic_off_the_main_path(string stackName)
    {
        var graph = app.Graph(stackName);
        var alarms = graph.Single(Alarm);
        var topic = graph.Single(Topic);

        var publish = Assert.Single(graph.Between(alarms, topic));
        var watched = graph.Edges.Where(edge => edge.To == alarms.Id).ToList();

        Assert.Equal(["Publish"], publish.Labels);
        Assert.DoesNotContain(graph.Edges, edge => edge.From == alarms.Id && graph.Node(edge.To).Group == DiagramGroup.MainPath);
        Assert.NotEmpty(watched);
        Assert.All(watched, edge => Assert.Equal(EdgeFlow.Telemetry, edge.Flow));
        Assert.Equal(DiagramGroup.Monitoring, alarms.Group);
        Assert.Equal(DiagramGroup.Monitoring, topic.Group);
    }
}
