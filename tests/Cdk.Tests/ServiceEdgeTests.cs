using System.Text.Json.Nodes;
using ReferenceArchitectures.Cdk.Tests.Iam;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>
/// The app synthesized the way <c>cdk deploy</c> does, bound to an account and a Region: us-east-1, the CLI's default
/// when nothing is configured; eu-west-1, a Region opened before 2022; and ap-southeast-5 (opened in 2024), which older
/// Region tables miss. Shared by every class of the <see cref="SynthesizedApp"/> collection.
/// </summary>
public sealed class PinnedAppsFixture : IDisposable
{
    public static readonly string[] Regions = ["us-east-1", "eu-west-1", "ap-southeast-5"];

    private readonly List<DirectoryInfo> folders = [];

    public PinnedAppsFixture()
    {
        foreach (var region in Regions)
        {
            var outdir = Directory.CreateTempSubdirectory("cdk-pinned-");
            folders.Add(outdir);
            Stacks[region] = CdkTestApp.SynthesizeApp(outdir.FullName, environment: new Amazon.CDK.Environment { Account = DeployTarget.Default.Account, Region = region });
        }
    }

    public Dictionary<string, IReadOnlyDictionary<string, SynthesizedStack>> Stacks { get; } = [];

    public void Dispose() => folders.ForEach(folder => folder.Delete(recursive: true));
}

/// <summary>
/// The requests services make between a stack's resources, evaluated with IAM's rules against the policies they meet:
/// for the environment-agnostic templates (deployed in us-east-1 and in ap-southeast-5) and for templates pinned to each.
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed class ServiceEdgeTests(SynthesizedAppFixture app, PinnedAppsFixture pinned, Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>
    /// The deploy rehearsal's report of the service edges: every edge of every stack, as deployed in us-east-1, with its
    /// verdict (README, "What is proven without an AWS account", names the command that prints it).
    /// </summary>
    [Fact]
    [Trait("Category", "DeployRehearsal")]
    public void Every_stacks_service_edges_are_allowed_as_deployed_in_us_east_1()
    {
        foreach (var stack in app.Stacks.Values)
        {
            var values = new TemplateValues(JsonNode.Parse(stack.Json)!.AsObject(), DeployTarget.Default with { StackName = stack.StackName });
            var edges = AllEdges(stack.StackName, values).ToList();
            output.WriteLine($"{stack.StackName}: {edges.Count} service edges, {edges.Count(e => e.Verdict == Verdict.Allowed)} allowed");
            foreach (var edge in edges)
            {
                output.WriteLine($"  {edge.Verdict,-17} {edge.From} -> {edge.To} {edge.Action}");
            }

            var outsiders = ServiceEdges.UrlOutsiders(stack.StackName, values).Concat(ServiceEdges.FlowLogRolesForOtherAccounts(stack.StackName, values)).ToList();
            foreach (var request in outsiders)
            {
                output.WriteLine($"  {request.Verdict,-17} {request.From} -> {request.To} {request.Action} (must be refused)");
            }

            Assert.NotEmpty(edges);
            Assert.All(edges, edge => Assert.True(edge.Verdict == Verdict.Allowed, edge.ToString()));
            Assert.All(outsiders, request => Assert.True(request.Verdict != Verdict.Allowed, request.ToString()));
        }
    }

    public static TheoryData<string> Regions() => [.. PinnedAppsFixture.Regions];

    [Theory]
    [MemberData(nameof(Regions))]
    public void Every_alarm_can_publish_to_its_topic_environment_agnostic(string region) =>
        AssertAlarmsReachTopics(app.Stacks, new DeployTarget(DeployTarget.Default.Account, region));

    [Theory]
    [MemberData(nameof(Regions))]
    public void Every_alarm_can_publish_to_its_topic_pinned(string region) =>
        AssertAlarmsReachTopics(pinned.Stacks[region], new DeployTarget(DeployTarget.Default.Account, region));

    /// <summary>
    /// Regions on both sides of the August 2022 line, among them every Region the log-delivery mapping once lacked
    /// (where Fn::FindInMap failed the deploy).
    /// </summary>
    public static TheoryData<string> AccessLogRegions() =>
    [
        "us-east-1", "eu-west-1", "ap-southeast-3", "ap-south-2", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
        "eu-central-2", "eu-south-2", "il-central-1", "me-central-1", "ca-west-1", "mx-central-1",
    ];

    [Theory]
    [MemberData(nameof(AccessLogRegions))]
    public void Every_load_balancer_can_write_its_access_logs_environment_agnostic(string region) =>
        AssertAccessLogsDelivered(app.Stacks, new DeployTarget(DeployTarget.Default.Account, region));

    [Theory]
    [MemberData(nameof(Regions))]
    public void Every_load_balancer_can_write_its_access_logs_pinned(string region) =>
        AssertAccessLogsDelivered(pinned.Stacks[region], new DeployTarget(DeployTarget.Default.Account, region));

    [Theory]
    [MemberData(nameof(Regions))]
    public void Every_service_can_take_its_role_and_make_its_calls_environment_agnostic(string region) =>
        AssertRoleEdges(app.Stacks, new DeployTarget(DeployTarget.Default.Account, region));

    [Theory]
    [MemberData(nameof(Regions))]
    public void Every_service_can_take_its_role_and_make_its_calls_pinned(string region) =>
        AssertRoleEdges(pinned.Stacks[region], new DeployTarget(DeployTarget.Default.Account, region));

    [Theory]
    [MemberData(nameof(Regions))]
    public void Every_event_source_reaches_its_consumer_environment_agnostic(string region) =>
        AssertInvocationEdges(app.Stacks, new DeployTarget(DeployTarget.Default.Account, region));

    [Theory]
    [MemberData(nameof(Regions))]
    public void Every_event_source_reaches_its_consumer_pinned(string region) =>
        AssertInvocationEdges(pinned.Stacks[region], new DeployTarget(DeployTarget.Default.Account, region));

    [Theory]
    [MemberData(nameof(Regions))]
    public void A_caller_with_the_caller_policy_reaches_every_signed_endpoint_environment_agnostic(string region) =>
        AssertCallersReachEndpoints(app.Stacks, new DeployTarget(DeployTarget.Default.Account, region));

    [Theory]
    [MemberData(nameof(Regions))]
    public void A_caller_with_the_caller_policy_reaches_every_signed_endpoint_pinned(string region) =>
        AssertCallersReachEndpoints(pinned.Stacks[region], new DeployTarget(DeployTarget.Default.Account, region));

    [Theory]
    [MemberData(nameof(Regions))]
    public void No_one_without_the_caller_policy_gets_through_a_function_url_environment_agnostic(string region) =>
        AssertRefused(app.Stacks, new DeployTarget(DeployTarget.Default.Account, region), ServiceEdges.UrlOutsiders, ["LambdaBedrock"]);

    [Theory]
    [MemberData(nameof(Regions))]
    public void No_one_without_the_caller_policy_gets_through_a_function_url_pinned(string region) =>
        AssertRefused(pinned.Stacks[region], new DeployTarget(DeployTarget.Default.Account, region), ServiceEdges.UrlOutsiders, ["LambdaBedrock"]);

    [Theory]
    [MemberData(nameof(Regions))]
    public void Every_container_instance_gets_its_role_and_joins_its_cluster_environment_agnostic(string region) =>
        AssertContainerInstancesJoin(app.Stacks, new DeployTarget(DeployTarget.Default.Account, region));

    [Theory]
    [MemberData(nameof(Regions))]
    public void Every_container_instance_gets_its_role_and_joins_its_cluster_pinned(string region) =>
        AssertContainerInstancesJoin(pinned.Stacks[region], new DeployTarget(DeployTarget.Default.Account, region));

    [Theory]
    [MemberData(nameof(Regions))]
    public void Every_flow_log_can_take_its_role_and_write_to_its_group_environment_agnostic(string region) =>
        AssertFlowLogsDelivered(app.Stacks, new DeployTarget(DeployTarget.Default.Account, region));

    [Theory]
    [MemberData(nameof(Regions))]
    public void Every_flow_log_can_take_its_role_and_write_to_its_group_pinned(string region) =>
        AssertFlowLogsDelivered(pinned.Stacks[region], new DeployTarget(DeployTarget.Default.Account, region));

    [Theory]
    [MemberData(nameof(Regions))]
    public void No_flow_log_of_another_account_can_take_a_flow_log_role_environment_agnostic(string region) =>
        AssertRefused(app.Stacks, new DeployTarget(DeployTarget.Default.Account, region), ServiceEdges.FlowLogRolesForOtherAccounts, NetworkPatterns);

    [Theory]
    [MemberData(nameof(Regions))]
    public void No_flow_log_of_another_account_can_take_a_flow_log_role_pinned(string region) =>
        AssertRefused(pinned.Stacks[region], new DeployTarget(DeployTarget.Default.Account, region), ServiceEdges.FlowLogRolesForOtherAccounts, NetworkPatterns);

    /// <summary>
    /// The flow-log edge fails on a copy of every template with a flow log whose role trusts another service, or lacks
    /// the stream creation or the record writes.
    /// </summary>
    [Theory]
    [InlineData("trust", "sts:AssumeRole as vpc-flow-logs.amazonaws.com")]
    [InlineData("logs:CreateLogStream", "logs:CreateLogStream")]
    [InlineData("logs:PutLogEvents", "logs:PutLogEvents")]
    public void A_broken_flow_log_role_fails_the_flow_log_edge(string broken, string deniedEdge)
    {
        var target = new DeployTarget(DeployTarget.Default.Account, "us-east-1");
        var broke = ForEachFlowLogRole((stackName, template, role) =>
        {
            Assert.All(ServiceEdges.FlowLogs("stack", new TemplateValues(template, target)), edge => Assert.True(edge.Verdict == Verdict.Allowed, edge.ToString()));
            if (broken == "trust")
            {
                var trust = role["AssumeRolePolicyDocument"]!.ToJsonString().Replace("vpc-flow-logs.amazonaws.com", "delivery.logs.amazonaws.com", StringComparison.Ordinal);
                role["AssumeRolePolicyDocument"] = JsonNode.Parse(trust);
            }
            else
            {
                Assert.True(RemoveAction(template, broken) > 0, $"no policy of {stackName} grants {broken}");
            }

            Assert.Contains(ServiceEdges.FlowLogs("stack", new TemplateValues(template, target)), edge => edge.Action == deniedEdge && edge.Verdict != Verdict.Allowed);
        });

        Assert.Equal(Holds(NetworkPatterns), broke > 0);
    }

    // The CDK's own flow-log role, before ServiceNetwork gave it conditions: any account's flow log could take it.
    [Fact]
    public void A_flow_log_role_trusting_the_service_without_conditions_lets_another_accounts_flow_log_take_it()
    {
        var target = new DeployTarget(DeployTarget.Default.Account, "us-east-1");
        var broke = ForEachFlowLogRole((_, template, role) =>
        {
            Assert.All(ServiceEdges.FlowLogRolesForOtherAccounts("stack", new TemplateValues(template, target)), request => Assert.True(request.Verdict != Verdict.Allowed, request.ToString()));
            Assert.All(role["AssumeRolePolicyDocument"]!["Statement"]!.AsArray(), statement => Assert.True(statement!.AsObject().Remove("Condition")));

            Assert.Contains(ServiceEdges.FlowLogRolesForOtherAccounts("stack", new TemplateValues(template, target)), request => request.Verdict == Verdict.Allowed);
        });

        Assert.Equal(Holds(NetworkPatterns), broke > 0);
    }

    //#if (HybridPipeline)
    [Fact]
    public void A_bucket_that_does_not_send_events_to_EventBridge_fails_its_rules_edge()
    {
        var template = JsonNode.Parse(app.Stacks["HybridPipelineStack"].Json)!.AsObject();
        var target = new DeployTarget(DeployTarget.Default.Account, "us-east-1");
        Assert.Contains(InvocationEdges(new TemplateValues(template, target)), edge => edge.Action == "S3 events to EventBridge" && edge.Verdict == Verdict.Allowed);

        foreach (var (_, resource) in template["Resources"]!.AsObject().Where(r => (string?)r.Value!["Type"] == "AWS::S3::Bucket"))
        {
            if (resource!["Properties"]!["NotificationConfiguration"]?["EventBridgeConfiguration"] is JsonObject configuration)
            {
                configuration["EventBridgeEnabled"] = false;
            }
        }

        Assert.Contains(InvocationEdges(new TemplateValues(template, target)), edge => edge.Action == "S3 events to EventBridge" && edge.Verdict != Verdict.Allowed);
    }
    //#endif

    //#if (LambdaBedrock)
    [Fact]
    public void A_permission_for_another_route_fails_the_apis_invocation_edge()
    {
        var template = JsonNode.Parse(app.Stacks["LambdaBedrockStack"].Json)!.AsObject();
        var target = new DeployTarget(DeployTarget.Default.Account, "us-east-1");
        Assert.All(InvocationEdges(new TemplateValues(template, target)), edge => Assert.True(edge.Verdict == Verdict.Allowed, edge.ToString()));

        foreach (var (_, resource) in template["Resources"]!.AsObject().Where(r => (string?)r.Value!["Type"] == "AWS::Lambda::Permission"))
        {
            var sourceArn = resource!["Properties"]!["SourceArn"]!.ToJsonString().Replace("/v1/chat", "/v1/other", StringComparison.Ordinal);
            resource["Properties"]!["SourceArn"] = JsonNode.Parse(sourceArn);
        }

        Assert.Contains(InvocationEdges(new TemplateValues(template, target)), edge => edge.Action == "lambda:InvokeFunction as apigateway.amazonaws.com" && edge.Verdict != Verdict.Allowed);
    }

    /// <summary>
    /// The caller policy without one of its grants fails the request that needs it: a Function URL created since
    /// October 2025 wants lambda:InvokeFunction as well as lambda:InvokeFunctionUrl, and the API its route's ARN.
    /// </summary>
    [Theory]
    [InlineData("lambda:InvokeFunction")]
    [InlineData("lambda:InvokeFunctionUrl")]
    [InlineData("execute-api:Invoke")]
    public void A_caller_policy_missing_one_grant_fails_the_request_that_needs_it(string removed)
    {
        var template = JsonNode.Parse(app.Stacks["LambdaBedrockStack"].Json)!.AsObject();
        var target = new DeployTarget(DeployTarget.Default.Account, "us-east-1");
        Assert.All(ServiceEdges.Callers("stack", new TemplateValues(template, target)), edge => Assert.True(edge.Verdict == Verdict.Allowed, edge.ToString()));

        Assert.True(RemoveAction(template, removed) > 0, $"no policy of the template grants {removed}");

        Assert.Contains(ServiceEdges.Callers("stack", new TemplateValues(template, target)), edge => edge.Action == removed && edge.Verdict != Verdict.Allowed);
    }

    [Fact]
    public void A_function_permission_for_another_account_opens_the_url_to_outsiders()
    {
        var template = JsonNode.Parse(app.Stacks["LambdaBedrockStack"].Json)!.AsObject();
        var target = new DeployTarget(DeployTarget.Default.Account, "us-east-1");
        Assert.All(ServiceEdges.UrlOutsiders("stack", new TemplateValues(template, target)), edge => Assert.True(edge.Verdict != Verdict.Allowed, edge.ToString()));

        var url = template["Resources"]!.AsObject().Single(r => (string?)r.Value!["Type"] == "AWS::Lambda::Url").Value!;
        template["Resources"]!["PartnerInvokesUrl"] = new JsonObject
        {
            ["Type"] = "AWS::Lambda::Permission",
            ["Properties"] = new JsonObject
            {
                ["Action"] = "lambda:InvokeFunctionUrl",
                ["FunctionName"] = url["Properties"]!["TargetFunctionArn"]!.DeepClone(),
                ["Principal"] = "210987654321",
                ["FunctionUrlAuthType"] = "AWS_IAM",
            },
        };

        Assert.Contains(ServiceEdges.UrlOutsiders("stack", new TemplateValues(template, target)), edge => edge.Action == "lambda:InvokeFunctionUrl" && edge.Verdict == Verdict.Allowed);
    }
    //#endif

    //#if (GpuInference)
    /// <summary>
    /// The GPU instances' edge fails on a copy of pattern 3's template with its instance role trusting ECS instead of
    /// EC2, with the task role in the instance profile, with the user data leaving the cluster unnamed, or with the
    /// agent's ecs:Poll grant taken away.
    /// </summary>
    [Theory]
    [InlineData("trust", "sts:AssumeRole as ec2.amazonaws.com")]
    [InlineData("profile", "sts:AssumeRole as ec2.amazonaws.com")]
    [InlineData("cluster", "ECS_CLUSTER in user data")]
    [InlineData("ecs:Poll", "ecs:Poll")]
    public void A_broken_instance_role_fails_the_container_instances_edge(string broken, string deniedEdge)
    {
        var template = JsonNode.Parse(app.Stacks["GpuInferenceStack"].Json)!.AsObject();
        var target = new DeployTarget(DeployTarget.Default.Account, "us-east-1");
        Assert.All(ServiceEdges.ContainerInstances("stack", new TemplateValues(template, target)), edge => Assert.True(edge.Verdict == Verdict.Allowed, edge.ToString()));

        var resources = template["Resources"]!.AsObject();
        var profile = resources.Single(r => (string?)r.Value!["Type"] == "AWS::IAM::InstanceProfile").Value!["Properties"]!;
        var instanceRole = (string)profile["Roles"]![0]!["Ref"]!;
        switch (broken)
        {
            case "trust":
                var trust = resources[instanceRole]!["Properties"]!["AssumeRolePolicyDocument"]!.ToJsonString().Replace("ec2.amazonaws.com", "ecs.amazonaws.com", StringComparison.Ordinal);
                resources[instanceRole]!["Properties"]!["AssumeRolePolicyDocument"] = JsonNode.Parse(trust);
                break;
            case "profile":
                var taskRole = (string)resources.Single(r => (string?)r.Value!["Type"] == "AWS::ECS::TaskDefinition").Value!["Properties"]!["TaskRoleArn"]!["Fn::GetAtt"]![0]!;
                profile["Roles"] = new JsonArray(new JsonObject { ["Ref"] = taskRole });
                break;
            case "cluster":
                var launchData = resources.Single(r => (string?)r.Value!["Type"] == "AWS::EC2::LaunchTemplate").Value!["Properties"]!["LaunchTemplateData"]!;
                launchData["UserData"] = JsonNode.Parse("""{"Fn::Base64": "#!/bin/bash\necho ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config"}""");
                break;
            default:
                Assert.True(RemoveAction(template, broken) > 0, $"no policy of the template grants {broken}");
                break;
        }

        Assert.Contains(ServiceEdges.ContainerInstances("stack", new TemplateValues(template, target)), edge => edge.Action == deniedEdge && edge.Verdict != Verdict.Allowed);
    }
    //#endif

    //#if (HybridPipeline)
    /// <summary>
    /// Each edge check fails on a copy of pattern 4's template with one grant taken away: the dead-letter queue's policy
    /// without EventBridge, the state machine's role without PassRole or
    /// without InvokeFunction, the worker's execution role without ECR or Logs, a trust policy naming another service.
    /// </summary>
    [Theory]
    [InlineData("sqs:SendMessage", "sqs:SendMessage as events.amazonaws.com")]
    [InlineData("iam:PassRole", "iam:PassRole")]
    [InlineData("lambda:InvokeFunction", "lambda:InvokeFunction")]
    [InlineData("ecr:BatchGetImage", "ecr:BatchGetImage")]
    [InlineData("logs:PutLogEvents", "logs:PutLogEvents")]
    [InlineData("sts:AssumeRole", "sts:AssumeRole as states.amazonaws.com")]
    public void A_template_missing_one_grant_fails_the_edge_that_needs_it(string removed, string deniedEdge)
    {
        var template = JsonNode.Parse(app.Stacks["HybridPipelineStack"].Json)!.AsObject();
        var target = new DeployTarget(DeployTarget.Default.Account, "us-east-1");
        Assert.All(RoleEdges(new TemplateValues(template, target)), edge => Assert.True(edge.Verdict == Verdict.Allowed, edge.ToString()));

        if (removed == "sts:AssumeRole")
        {
            // The state machine's role, trusting Lambda instead of Step Functions.
            var role = TemplateValues.ReferencedId(template["Resources"]!.AsObject()
                .Single(r => (string?)r.Value!["Type"] == "AWS::StepFunctions::StateMachine").Value!["Properties"]!["RoleArn"])!;
            var trust = template["Resources"]![role]!["Properties"]!["AssumeRolePolicyDocument"]!.ToJsonString().Replace("states.amazonaws.com", "lambda.amazonaws.com", StringComparison.Ordinal);
            template["Resources"]![role]!["Properties"]!["AssumeRolePolicyDocument"] = JsonNode.Parse(trust);
        }
        else
        {
            Assert.True(RemoveAction(template, removed) > 0, $"no policy of the template grants {removed}");
        }

        var denied = RoleEdges(new TemplateValues(template, target)).Where(edge => edge.Verdict != Verdict.Allowed).ToList();
        Assert.Contains(denied, edge => edge.Action == deniedEdge);
    }
    //#endif

    // Runs a check on a copy of each default template that has a flow log, with the properties of its role; returns how many.
    private int ForEachFlowLogRole(Action<string, JsonObject, JsonObject> check)
    {
        var checkedTemplates = 0;
        foreach (var stack in app.Stacks.Values)
        {
            var template = JsonNode.Parse(stack.Json)!.AsObject();
            var resources = template["Resources"]!.AsObject();
            var flowLog = resources.FirstOrDefault(r => (string?)r.Value!["Type"] == "AWS::EC2::FlowLog").Value;
            if (TemplateValues.ReferencedId(flowLog?["Properties"]?["DeliverLogsPermissionArn"]) is { } role)
            {
                check(stack.StackName, template, resources[role]!["Properties"]!.AsObject());
                checkedTemplates++;
            }
        }

        return checkedTemplates;
    }

    // Takes an action out of every statement of every identity and queue policy that allows it, dropping emptied statements.
    private static int RemoveAction(JsonObject template, string action)
    {
        var removed = 0;
        foreach (var (_, resource) in template["Resources"]!.AsObject())
        {
            if ((string?)resource!["Type"] is not ("AWS::IAM::Policy" or "AWS::IAM::ManagedPolicy" or "AWS::SQS::QueuePolicy"))
            {
                continue;
            }

            var statements = resource["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray();
            foreach (var statement in statements.ToList())
            {
                if ((string?)statement!["Effect"] != "Allow")
                {
                    continue;
                }

                var actions = statement["Action"] is JsonArray list ? list.Select(a => (string)a!).ToList() : [(string)statement["Action"]!];
                var kept = actions.Where(a => !string.Equals(a, action, StringComparison.OrdinalIgnoreCase)).ToList();
                if (kept.Count == actions.Count)
                {
                    continue;
                }

                removed++;
                if (kept.Count == 0)
                {
                    statements.Remove(statement);
                }
                else
                {
                    statement["Action"] = new JsonArray([.. kept.Select(a => (JsonNode)JsonValue.Create(a)!)]);
                }
            }
        }

        return removed;
    }

    // The patterns this app holds (a project made from one template holds one), and which of them have edges of a kind.
    private static readonly string[] AppPatterns =
    [
        //#if (LambdaBedrock)
        "LambdaBedrock",
        //#endif
        //#if (FargateModel)
        "FargateModel",
        //#endif
        //#if (GpuInference)
        "GpuInference",
        //#endif
        //#if (HybridPipeline)
        "HybridPipeline",
        //#endif
        //#if (LambdaModel)
        "LambdaModel",
        //#endif
    ];

    // The patterns whose VPC (ServiceNetwork) has a flow log.
    private static readonly string[] NetworkPatterns = ["FargateModel", "GpuInference", "HybridPipeline"];

    private static bool Holds(params string[] patterns) => patterns.Any(AppPatterns.Contains);

    private static IEnumerable<EdgeVerdict> AllEdges(string stack, TemplateValues values) =>
        ServiceEdges.AlarmNotifications(stack, values)
            .Concat(ServiceEdges.LoadBalancerAccessLogs(stack, values))
            .Concat(ServiceEdges.RuleTargets(stack, values))
            .Concat(ServiceEdges.StateMachineTasks(stack, values))
            .Concat(ServiceEdges.TaskStartup(stack, values))
            .Concat(ServiceEdges.BucketEvents(stack, values))
            .Concat(ServiceEdges.ApiInvocations(stack, values))
            .Concat(ServiceEdges.ContainerInstances(stack, values))
            .Concat(ServiceEdges.Callers(stack, values))
            .Concat(ServiceEdges.FlowLogs(stack, values));

    private static IEnumerable<EdgeVerdict> RoleEdges(TemplateValues values) =>
        ServiceEdges.RuleTargets("stack", values).Concat(ServiceEdges.StateMachineTasks("stack", values)).Concat(ServiceEdges.TaskStartup("stack", values));

    private static IEnumerable<EdgeVerdict> InvocationEdges(TemplateValues values) =>
        ServiceEdges.BucketEvents("stack", values).Concat(ServiceEdges.ApiInvocations("stack", values));

    /// <summary>
    /// Every edge of one kind in every stack is allowed, and the app has edges of that kind exactly when it holds a
    /// pattern that makes them (so a kind that vanished from the templates fails too).
    /// </summary>
    private static void AssertEdges(
        IReadOnlyDictionary<string, SynthesizedStack> stacks, DeployTarget target, Func<string, TemplateValues, IEnumerable<EdgeVerdict>> edgesOf, bool expected)
    {
        var edges = stacks.Values
            .SelectMany(stack => edgesOf(stack.StackName, new TemplateValues(JsonNode.Parse(stack.Json)!.AsObject(), target)))
            .ToList();

        Assert.Equal(expected, edges.Count > 0);
        Assert.All(edges, edge => Assert.True(edge.Verdict == Verdict.Allowed, edge.ToString()));
    }

    private static void AssertAlarmsReachTopics(IReadOnlyDictionary<string, SynthesizedStack> stacks, DeployTarget target) =>
        AssertEdges(stacks, target, ServiceEdges.AlarmNotifications, expected: true);

    private static void AssertAccessLogsDelivered(IReadOnlyDictionary<string, SynthesizedStack> stacks, DeployTarget target) =>
        AssertEdges(stacks, target, ServiceEdges.LoadBalancerAccessLogs, Holds("FargateModel", "GpuInference"));

    private static void AssertRoleEdges(IReadOnlyDictionary<string, SynthesizedStack> stacks, DeployTarget target) =>
        AssertEdges(stacks, target, (_, values) => RoleEdges(values), Holds("FargateModel", "GpuInference", "HybridPipeline"));

    private static void AssertInvocationEdges(IReadOnlyDictionary<string, SynthesizedStack> stacks, DeployTarget target) =>
        AssertEdges(stacks, target, (_, values) => InvocationEdges(values), Holds("LambdaBedrock", "HybridPipeline", "LambdaModel"));

    private static void AssertContainerInstancesJoin(IReadOnlyDictionary<string, SynthesizedStack> stacks, DeployTarget target) =>
        AssertEdges(stacks, target, ServiceEdges.ContainerInstances, Holds("GpuInference"));

    private static void AssertCallersReachEndpoints(IReadOnlyDictionary<string, SynthesizedStack> stacks, DeployTarget target) =>
        AssertEdges(stacks, target, ServiceEdges.Callers, Holds("LambdaBedrock", "LambdaModel"));

    private static void AssertFlowLogsDelivered(IReadOnlyDictionary<string, SynthesizedStack> stacks, DeployTarget target) =>
        AssertEdges(stacks, target, ServiceEdges.FlowLogs, Holds(NetworkPatterns));

    /// <summary>
    /// The opposite of <see cref="AssertEdges"/>: every request of one kind, made by someone the stack does not mean to
    /// let in, is denied, and the app has such requests exactly when it holds one of <paramref name="patterns"/>.
    /// </summary>
    private static void AssertRefused(
        IReadOnlyDictionary<string, SynthesizedStack> stacks, DeployTarget target, Func<string, TemplateValues, IEnumerable<EdgeVerdict>> requestsOf, string[] patterns)
    {
        var requests = stacks.Values
            .SelectMany(stack => requestsOf(stack.StackName, new TemplateValues(JsonNode.Parse(stack.Json)!.AsObject(), target)))
            .ToList();

        Assert.Equal(Holds(patterns), requests.Count > 0);
        Assert.All(requests, request => Assert.True(request.Verdict != Verdict.Allowed, request.ToString()));
    }
}
