using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using ReferenceArchitectures.Cdk.LambdaBedrock;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>Pattern 1 as Program.cs builds it from cdk.json (all defaults).</summary>
[Collection(SynthesizedApp.Name)]
public sealed class LambdaBedrockStackTests(SynthesizedAppFixture app)
{
    private const string NovaLiteArn = "arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/amazon.nova-lite-v1:0";

    private readonly TemplateQuery template = new(app.LambdaBedrock.Json);

    [Fact]
    public void Both_functions_run_on_provided_al2023_with_their_handlers()
    {
        var functions = template.OfType("AWS::Lambda::Function").Values;

        Assert.All(functions, function => Assert.Equal("provided.al2023", (string?)function["Properties"]!["Runtime"]));
        Assert.Equal(
            ["converse", "converse-stream"],
            functions.Select(function => (string)function["Properties"]!["Handler"]!).Order());
    }

    [Fact]
    public void Both_functions_share_one_code_asset()
    {
        var keys = template.OfType("AWS::Lambda::Function").Values
            .Select(function => TemplateQuery.Render(function["Properties"]!["Code"]!["S3Key"]))
            .Distinct()
            .ToList();

        Assert.Single(keys);
    }

    [Fact]
    public void Api_function_can_only_call_Converse_on_the_configured_model()
    {
        var (actions, resources) = template.Grants(template.FunctionWithHandler("converse"), "bedrock:");

        Assert.Equal(["bedrock:InvokeModel"], actions);
        Assert.Equal([NovaLiteArn], resources);
    }

    [Fact]
    public void Stream_function_can_only_call_ConverseStream_on_the_configured_model()
    {
        var (actions, resources) = template.Grants(template.FunctionWithHandler("converse-stream"), "bedrock:");

        Assert.Equal(["bedrock:InvokeModelWithResponseStream"], actions);
        Assert.Equal([NovaLiteArn], resources);
    }

    [Fact]
    public void No_Bedrock_statement_uses_a_wildcard()
    {
        var bedrockStatements = template.OfType("AWS::IAM::Policy").Values
            .SelectMany(policy => policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())
            .Where(statement => TemplateQuery.Strings(statement!["Action"]).Any(action => action.StartsWith("bedrock", StringComparison.Ordinal)))
            .ToList();

        Assert.NotEmpty(bedrockStatements);
        Assert.All(bedrockStatements, statement =>
        {
            Assert.DoesNotContain(TemplateQuery.Strings(statement!["Action"]), action => action.Contains('*', StringComparison.Ordinal));
            Assert.DoesNotContain(TemplateQuery.Strings(statement["Resource"]), resource => resource.Contains('*', StringComparison.Ordinal));
        });
    }

    [Fact]
    public void Each_function_writes_only_to_its_own_log_group()
    {
        foreach (var handler in new[] { "converse", "converse-stream" })
        {
            var functionId = template.FunctionWithHandler(handler);
            var logGroupId = (string)template.Resource(functionId)["Properties"]!["LoggingConfig"]!["LogGroup"]!["Ref"]!;

            var (actions, resources) = template.Grants(functionId, "logs:");

            Assert.Equal(["logs:CreateLogStream", "logs:PutLogEvents"], actions.Order());
            Assert.Equal(["${" + logGroupId + ".Arn}"], resources);
        }
    }

    [Fact]
    public void Functions_trace_with_XRay_and_log_JSON()
    {
        app.LambdaBedrock.Template.ResourcePropertiesCountIs("AWS::Lambda::Function", new Dictionary<string, object>
        {
            ["TracingConfig"] = new Dictionary<string, object> { ["Mode"] = "Active" },
            ["LoggingConfig"] = Match.ObjectLike(new Dictionary<string, object> { ["LogFormat"] = "JSON" }),
        }, 2);
    }

    [Fact]
    public void Timeouts_default_to_29_seconds_for_the_api_and_120_for_the_stream()
    {
        Assert.Equal(29, (int)template.Resource(template.FunctionWithHandler("converse"))["Properties"]!["Timeout"]!);
        Assert.Equal(120, (int)template.Resource(template.FunctionWithHandler("converse-stream"))["Properties"]!["Timeout"]!);
    }

    [Fact]
    public void Log_groups_keep_logs_for_one_month_and_are_removed_with_the_stack()
    {
        var logGroups = template.OfType("AWS::Logs::LogGroup").Values.ToList();

        Assert.Equal(3, logGroups.Count);
        Assert.All(logGroups, logGroup =>
        {
            Assert.Equal(30, (int)logGroup["Properties"]!["RetentionInDays"]!);
            Assert.Equal("Delete", (string?)logGroup["DeletionPolicy"]);
        });
    }

    [Fact]
    public void Function_url_streams_and_requires_IAM()
    {
        app.LambdaBedrock.Template.HasResourceProperties("AWS::Lambda::Url", new Dictionary<string, object>
        {
            ["AuthType"] = "AWS_IAM",
            ["InvokeMode"] = "RESPONSE_STREAM",
            ["TargetFunctionArn"] = new Dictionary<string, object> { ["Fn::GetAtt"] = new[] { template.FunctionWithHandler("converse-stream"), "Arn" } },
        });
    }

    [Fact]
    public void Chat_route_requires_IAM_authorization_by_default()
    {
        var route = Assert.Single(template.OfType("AWS::ApiGatewayV2::Route").Values);

        Assert.Equal("POST /v1/chat", (string?)route["Properties"]!["RouteKey"]);
        Assert.Equal("AWS_IAM", (string?)route["Properties"]!["AuthorizationType"]);
    }

    [Fact]
    public void Default_stage_is_throttled_and_writes_JSON_access_logs()
    {
        var stage = Assert.Single(template.OfType("AWS::ApiGatewayV2::Stage").Values)["Properties"]!;

        Assert.Equal("$default", (string?)stage["StageName"]);
        Assert.Equal(10, (double)stage["DefaultRouteSettings"]!["ThrottlingRateLimit"]!);
        Assert.Equal(20, (int)stage["DefaultRouteSettings"]!["ThrottlingBurstLimit"]!);
        var logGroupId = (string)stage["AccessLogSettings"]!["DestinationArn"]!["Fn::GetAtt"]![0]!;
        Assert.Equal("AWS::Logs::LogGroup", (string?)template.Resource(logGroupId)["Type"]);
        var format = JsonNode.Parse((string)stage["AccessLogSettings"]!["Format"]!)!.AsObject();
        Assert.Equal("$context.requestId", (string?)format["requestId"]);
        // The invocation's Lambda request id, which the function's log lines carry: an access-log line finds its function log.
        Assert.Equal("$context.integration.requestId", (string?)format["integrationRequestId"]);
    }

    [Fact]
    public void Access_log_group_is_named_under_aws_vendedlogs_and_per_stack()
    {
        // API Gateway delivers access logs as a vended log: for a group outside /aws/vendedlogs/ it adds the group to the
        // account's CloudWatch Logs resource policy, which is capped at 5,120 characters, so in a busy account the deploy
        // fails. Groups under /aws/vendedlogs/ are covered without growing it
        // (https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html,
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-logs-resourcepolicy.html: PolicyDocument maximum 5120).
        var stage = Assert.Single(template.OfType("AWS::ApiGatewayV2::Stage").Values)["Properties"]!;
        var logGroupId = (string)stage["AccessLogSettings"]!["DestinationArn"]!["Fn::GetAtt"]![0]!;

        var name = TemplateQuery.Render(template.Resource(logGroupId)["Properties"]!["LogGroupName"]);

        Assert.Equal("ChatApiAccessLogs02A075F3", logGroupId);
        Assert.StartsWith("/aws/vendedlogs/", name, StringComparison.Ordinal);
        // The stack's own name keeps two stacks (or two copies of the pattern) in one account and Region apart.
        Assert.Contains("${AWS::StackName}", name, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_function_has_error_throttle_and_duration_alarms_and_the_api_a_5xx_alarm_all_to_the_topic()
    {
        var topicId = Assert.Single(template.OfType("AWS::SNS::Topic")).Key;
        var alarms = template.OfType("AWS::CloudWatch::Alarm").Values.Select(alarm => alarm["Properties"]!).ToList();

        Assert.All(alarms, alarm => Assert.Equal(topicId, (string?)alarm["AlarmActions"]![0]!["Ref"]));
        foreach (var (handler, expected) in new[] { ("converse", new[] { "Duration", "Errors", "Throttles" }), ("converse-stream", ["Duration", "Errors", "StreamFailures", "Throttles"]) })
        {
            var functionId = template.FunctionWithHandler(handler);
            var metrics = alarms
                .Where(alarm => alarm["Dimensions"]?.AsArray().Any(d => (string?)d!["Value"]!["Ref"] == functionId) == true)
                .Select(alarm => (string)alarm["MetricName"]!)
                .Order();
            Assert.Equal(expected, metrics);
        }

        Assert.Contains(alarms, alarm => (string?)alarm["MetricName"] == "5xx" && (string?)alarm["Namespace"] == "AWS/ApiGateway");
    }

    [Fact]
    public void A_stream_that_fails_after_its_first_token_raises_an_alarm_on_the_topic()
    {
        // Lambda counts such an invocation as a success (it ends with an SSE error event), so Errors never sees it; the
        // function writes an Embedded Metric Format line instead (functions/InferenceApi/StreamFailureMetric.cs), whose
        // namespace, metric name and FunctionName dimension this alarm must match exactly.
        var topicId = Assert.Single(template.OfType("AWS::SNS::Topic")).Key;
        var functionId = template.FunctionWithHandler("converse-stream");

        var alarm = Assert.Single(template.OfType("AWS::CloudWatch::Alarm").Values.Select(a => a["Properties"]!),
            a => (string?)a["MetricName"] == "StreamFailures");

        Assert.Equal("LambdaBedrock/Streams", (string?)alarm["Namespace"]);
        var dimension = Assert.Single(alarm["Dimensions"]!.AsArray())!;
        Assert.Equal("FunctionName", (string?)dimension["Name"]);
        Assert.Equal(functionId, (string?)dimension["Value"]!["Ref"]);
        Assert.Equal("Sum", (string?)alarm["Statistic"]);
        Assert.Equal(1, (double)alarm["Threshold"]!);
        Assert.Equal("GreaterThanOrEqualToThreshold", (string?)alarm["ComparisonOperator"]);
        Assert.Equal("notBreaching", (string?)alarm["TreatMissingData"]);
        Assert.Equal(topicId, (string?)alarm["AlarmActions"]![0]!["Ref"]);
        // EMF is a log line that CloudWatch Logs turns into the metric: the role gets no cloudwatch:PutMetricData.
        Assert.Empty(template.Grants(functionId, "cloudwatch:").Actions);
    }

    [Fact]
    public void Duration_alarm_fires_at_80_percent_of_the_timeout()
    {
        var functionId = template.FunctionWithHandler("converse");
        var alarm = template.OfType("AWS::CloudWatch::Alarm").Values.Select(a => a["Properties"]!)
            .Single(a => (string?)a["MetricName"] == "Duration" && (string?)a["Dimensions"]![0]!["Value"]!["Ref"] == functionId);

        Assert.Equal(29 * 1000 * 0.8, (double)alarm["Threshold"]!);
        Assert.Equal("p99", (string?)alarm["ExtendedStatistic"]);
    }

    [Fact]
    public void Alarm_topic_is_encrypted_with_a_rotating_key_and_refuses_plain_http()
    {
        var topic = Assert.Single(template.OfType("AWS::SNS::Topic").Values);
        var keyId = (string)topic["Properties"]!["KmsMasterKeyId"]!["Fn::GetAtt"]![0]!;
        Assert.True((bool)template.Resource(keyId)["Properties"]!["EnableKeyRotation"]!);

        var policy = Assert.Single(template.OfType("AWS::SNS::TopicPolicy").Values);
        Assert.Contains(policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray(), statement =>
            (string?)statement!["Effect"] == "Deny" && (string?)statement["Condition"]!["Bool"]!["aws:SecureTransport"] == "false");
    }

    [Fact]
    public void No_alias_exists_without_provisioned_concurrency()
    {
        app.LambdaBedrock.Template.ResourceCountIs("AWS::Lambda::Alias", 0);
    }

    [Fact]
    public void No_hidden_custom_resource_functions_are_created()
    {
        Assert.Equal(2, template.OfType("AWS::Lambda::Function").Count);
        Assert.Empty(template.OfType("Custom::LogRetention"));
    }

    [Fact]
    public void Outputs_give_the_chat_endpoint_function_url_function_names_topic_and_caller_policy()
    {
        var outputs = JsonNode.Parse(app.LambdaBedrock.Json)!["Outputs"]!.AsObject().Select(output => output.Key).Order();

        Assert.Equal(["AlarmTopicArn", "ApiFunctionName", LambdaBedrockStack.CallerPolicyOutput, "ChatEndpoint", "StreamFunctionName", "StreamFunctionUrl"], outputs);
        Assert.EndsWith("/v1/chat", TemplateQuery.Render(JsonNode.Parse(app.LambdaBedrock.Json)!["Outputs"]!["ChatEndpoint"]!["Value"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Template_matches_its_snapshot()
    {
        Snapshot.Verify(app.LambdaBedrock);
    }

    [Fact]
    public void Resources_that_hold_data_keep_their_logical_ids() =>
        Assert.Equal(
            [
                "AWS::Logs::LogGroup ChatApiAccessLogs02A075F3",
                "AWS::Logs::LogGroup InferenceApiLogs0625B187",
                "AWS::Logs::LogGroup InferenceStreamLogsA0F0672B",
            ],
            DataResources.LogicalIds(app.LambdaBedrock));
}
