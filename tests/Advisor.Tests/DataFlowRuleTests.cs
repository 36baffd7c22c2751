using ReferenceArchitectures.Tools.Advisor.Diagrams;
using static ReferenceArchitectures.Advisor.Tests.DiagramQueries;

namespace ReferenceArchitectures.Advisor.Tests;

/// <summary>The diagram rules on small templates written for one relation each, including ones the app's stacks do not use.</summary>
public sealed class DataFlowRuleTests
{
    private static ArchitectureGraph Graph(string resources) => ArchitectureGraph.Build("Test", $$"""{ "Resources": { {{resources}} } }""");

    /// <summary>A piece of a DefinitionString as the JSON string CloudFormation's Fn::Join takes.</summary>
    private static string Json(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    private const string Function = """
        "Handler": { "Type": "AWS::Lambda::Function", "Properties": { "Runtime": "provided.al2023", "Role": { "Fn::GetAtt": ["HandlerRole", "Arn"] } } },
        "HandlerRole": { "Type": "AWS::IAM::Role", "Properties": {} }
        """;

    [Fact]
    public void A_bucket_notification_invokes_its_function_and_the_bucket_is_filled_from_outside()
    {
        var graph = Graph($$"""
            {{Function}},
            "Uploads": { "Type": "AWS::S3::Bucket", "Properties": { "NotificationConfiguration": {
                "LambdaConfigurations": [ { "Event": "s3:ObjectCreated:*", "Function": { "Fn::GetAtt": ["Handler", "Arn"] } } ] } } }
            """);

        Assert.Equal(["InvokeFunction"], Assert.Single(graph.Between(DiagramQueries.Bucket, DiagramQueries.Function)).Labels);
        Assert.Equal(["PutObject"], Assert.Single(graph.Between(ArchitectureGraph.ClientType, DiagramQueries.Bucket)).Labels);
    }

    [Fact]
    public void A_bucket_a_function_in_the_stack_writes_to_is_not_drawn_as_uploaded_from_outside()
    {
        var graph = Graph($$"""
            {{Function}},
            "Other": { "Type": "AWS::Lambda::Function", "Properties": { "Runtime": "provided.al2023" } },
            "Results": { "Type": "AWS::S3::Bucket", "Properties": { "NotificationConfiguration": {
                "LambdaConfigurations": [ { "Event": "s3:ObjectCreated:*", "Function": { "Fn::GetAtt": ["Other", "Arn"] } } ] } } },
            "HandlerPolicy": { "Type": "AWS::IAM::Policy", "Properties": { "Roles": [ { "Ref": "HandlerRole" } ], "PolicyDocument": { "Statement": [
                { "Effect": "Allow", "Action": "s3:PutObject", "Resource": { "Fn::Join": ["", [ { "Fn::GetAtt": ["Results", "Arn"] }, "/*" ] ] } } ] } } }
            """);

        Assert.Equal(["PutObject"], Assert.Single(graph.Edges, edge => edge.From == "Handler" && edge.To == "Results").Labels);
        Assert.Empty(graph.Between(ArchitectureGraph.ClientType, DiagramQueries.Bucket));
    }

    [Fact]
    public void A_rule_on_a_bucket_that_does_not_send_events_to_eventbridge_takes_nothing_from_it()
    {
        const string Rule = """
            "Uploaded": { "Type": "AWS::Events::Rule", "Properties": {
                "EventPattern": { "source": ["aws.s3"], "detail-type": ["Object Created"], "detail": { "bucket": { "name": [ { "Ref": "Uploads" } ] } } },
                "Targets": [ { "Id": "Target0", "Arn": { "Fn::GetAtt": ["Handler", "Arn"] } } ] } }
            """;

        var silent = Graph($$"""{{Function}}, {{Rule}}, "Uploads": { "Type": "AWS::S3::Bucket", "Properties": {} }""");
        var sending = Graph($$"""{{Function}}, {{Rule}}, "Uploads": { "Type": "AWS::S3::Bucket", "Properties": { "NotificationConfiguration": { "EventBridgeConfiguration": { "EventBridgeEnabled": true } } } }""");

        Assert.Empty(silent.Between(DiagramQueries.Bucket, DiagramQueries.Rule));
        Assert.Equal(["Object Created"], Assert.Single(sending.Between(DiagramQueries.Bucket, DiagramQueries.Rule)).Labels);
        Assert.Equal(["InvokeFunction"], Assert.Single(sending.Between(DiagramQueries.Rule, DiagramQueries.Function)).Labels);
    }

    [Fact]
    public void A_state_machine_task_calls_only_the_resource_its_integration_names_even_inside_a_parallel_state()
    {
        var definition = """
            {"StartAt":"Both","States":{"Both":{"Type":"Parallel","End":true,"Branches":[
              {"StartAt":"Record","States":{"Record":{"Type":"Task","End":true,"Resource":"arn:aws:states:::dynamodb:updateItem","Parameters":{"TableName":"
            """.Trim();
        var middle = """
            ","Key":{}}}}},
              {"StartAt":"Read","States":{"Read":{"Type":"Task","End":true,"Resource":"arn:aws:states:::aws-sdk:s3:getObject","Parameters":{"Bucket":"
            """.Trim();
        var end = """
            ","Key":"a"}}}}]}}}
            """.Trim();
        var graph = Graph($$"""
            "Documents": { "Type": "AWS::DynamoDB::Table", "Properties": {} },
            "Inbox": { "Type": "AWS::S3::Bucket", "Properties": {} },
            "Pipeline": { "Type": "AWS::StepFunctions::StateMachine", "Properties": { "DefinitionString": { "Fn::Join": ["", [
                {{Json(definition)}}, { "Ref": "Documents" },
                {{Json(middle)}}, { "Ref": "Inbox" },
                {{Json(end)}} ] ] } } }
            """);

        Assert.Equal(["UpdateItem"], Assert.Single(graph.Between(DiagramQueries.StateMachine, "AWS::DynamoDB::Table")).Labels);
        Assert.Equal(["GetObject"], Assert.Single(graph.Between(DiagramQueries.StateMachine, DiagramQueries.Bucket)).Labels);
    }

    [Fact]
    public void A_payload_that_names_a_bucket_does_not_make_the_state_machine_call_the_bucket()
    {
        string[] parts =
        [
            "{\"StartAt\":\"Go\",\"States\":{\"Go\":{\"Type\":\"Task\",\"End\":true,\"Resource\":\"arn:aws:states:::lambda:invoke\",\"Parameters\":{\"FunctionName\":\"",
            "\",\"Payload\":{\"bucket\":\"",
            "\"}}}}}",
        ];
        var graph = Graph($$"""
            {{Function}},
            "Inbox": { "Type": "AWS::S3::Bucket", "Properties": {} },
            "Pipeline": { "Type": "AWS::StepFunctions::StateMachine", "Properties": { "DefinitionString": { "Fn::Join": ["", [
                {{Json(parts[0])}}, { "Fn::GetAtt": ["Handler", "Arn"] }, {{Json(parts[1])}}, { "Ref": "Inbox" }, {{Json(parts[2])}} ] ] } } }
            """);

        Assert.Equal(["InvokeFunction"], Assert.Single(graph.Between(DiagramQueries.StateMachine, DiagramQueries.Function)).Labels);
        Assert.Empty(graph.Between(DiagramQueries.StateMachine, DiagramQueries.Bucket));
    }

    [Fact]
    public void A_denied_action_draws_no_arrow()
    {
        var graph = Graph($$"""
            {{Function}},
            "Documents": { "Type": "AWS::DynamoDB::Table", "Properties": {} },
            "HandlerPolicy": { "Type": "AWS::IAM::Policy", "Properties": { "Roles": [ { "Ref": "HandlerRole" } ], "PolicyDocument": { "Statement": [
                { "Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": { "Fn::GetAtt": ["Documents", "Arn"] } },
                { "Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": { "Fn::GetAtt": ["Documents", "Arn"] } } ] } } }
            """);

        Assert.Equal(["GetItem"], Assert.Single(graph.Between(DiagramQueries.Function, "AWS::DynamoDB::Table")).Labels);
    }

    [Fact]
    public void A_rule_target_whose_call_the_diagrams_do_not_know_fails_with_where_to_add_it()
    {
        var template = """
            { "Resources": {
                "Stream": { "Type": "AWS::Kinesis::Stream", "Properties": {} },
                "Nightly": { "Type": "AWS::Events::Rule", "Properties": { "ScheduleExpression": "rate(1 day)", "Targets": [ { "Id": "T", "Arn": { "Fn::GetAtt": ["Stream", "Arn"] } } ] } } } }
            """;

        var error = Assert.Throws<InvalidOperationException>(() => ArchitectureGraph.Build("Test", template));

        Assert.Contains("AWS::Kinesis::Stream", error.Message, StringComparison.Ordinal);
        Assert.Contains("ServiceCalls", error.Message, StringComparison.Ordinal);
    }
}
