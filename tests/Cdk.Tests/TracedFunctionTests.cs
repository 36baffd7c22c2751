using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>The traced, logged function with a role of its own that patterns 1 and 4 build their functions from.</summary>
public sealed class TracedFunctionTests(TracedFunctionTests.Fixture fixture) : IClassFixture<TracedFunctionTests.Fixture>
{
    private readonly TemplateQuery template = fixture.Template.Query;

    private JsonNode Function => template.Resource(fixture.FunctionId)["Properties"]!;

    [Fact]
    public void The_function_runs_on_the_custom_runtime_with_active_tracing_and_json_logs_in_its_own_log_group()
    {
        Assert.Equal("provided.al2023", (string?)Function["Runtime"]);
        Assert.Equal("handle", (string?)Function["Handler"]);
        Assert.Equal("Active", (string?)Function["TracingConfig"]!["Mode"]);
        Assert.Equal("JSON", (string?)Function["LoggingConfig"]!["LogFormat"]);
        Assert.Equal(fixture.LogGroupId, (string?)Function["LoggingConfig"]!["LogGroup"]!["Ref"]);
        Assert.Equal(14, (int)template.Resource(fixture.LogGroupId)["Properties"]!["RetentionInDays"]!);
    }

    [Fact]
    public void The_role_writes_only_to_its_own_log_group_then_gets_the_given_statements_then_x_ray()
    {
        var statements = template.StatementsOfFunction(fixture.FunctionId);

        Assert.Equal(["WriteOwnLogGroup", "ReadOneObject", null], statements.Select(statement => (string?)statement["Sid"]));
        Assert.Equal("${" + fixture.LogGroupId + ".Arn}", TemplateQuery.Render(statements[0]["Resource"]));
        Assert.Equal(["logs:CreateLogStream", "logs:PutLogEvents"], TemplateQuery.Strings(statements[0]["Action"]));
        Assert.Equal(["xray:PutTelemetryRecords", "xray:PutTraceSegments"], TemplateQuery.Strings(statements[2]["Action"]).Order());
        Assert.DoesNotContain(template.OfType("AWS::IAM::Role").Values, role => role["Properties"]!["ManagedPolicyArns"] is not null);
    }

    [Fact]
    public void The_x_ray_wildcard_is_acknowledged_with_the_shared_reason()
    {
        var policy = template.OfType("AWS::IAM::Policy").Values.Single();
        var rules = policy["Metadata"]!["cdk_nag"]!["rules_to_suppress"]!.AsArray();

        Assert.Contains(rules, rule => (string?)rule!["id"] == "AwsSolutions-IAM5" && (string?)rule["reason"] == NagReasons.XRayTracing
            && TemplateQuery.Strings(rule["applies_to"]).SequenceEqual(["Resource::*"]));
    }

    [Fact]
    public void Settings_reach_the_function()
    {
        Assert.Equal(256, (int)Function["MemorySize"]!);
        Assert.Equal(20, (int)Function["Timeout"]!);
        Assert.Equal(["arm64"], TemplateQuery.Strings(Function["Architectures"]));
        Assert.Equal(3, (int)Function["ReservedConcurrentExecutions"]!);
        Assert.Equal("value", (string?)Function["Environment"]!["Variables"]!["SETTING"]);
    }

    [Fact]
    public void Log_group_role_and_function_are_added_to_the_given_scope_named_after_the_function()
    {
        Assert.Equal($"{ConstructTemplate.StackName}/Step", fixture.Traced.Function.Node.Path);
        Assert.Equal($"{ConstructTemplate.StackName}/StepRole", fixture.Traced.Role.Node.Path);
        Assert.Equal($"{ConstructTemplate.StackName}/StepLogs", fixture.Traced.LogGroup.Node.Path);
    }

    public sealed class Fixture
    {
        public Fixture()
        {
            Template = ConstructTemplate.Synthesize(stack =>
            {
                var bucket = Bucket.FromBucketName(stack, "CodeBucket", "code-bucket");
                Traced = TracedFunction.AddTo(stack, "Step", new TracedFunctionOptions
                {
                    Code = Code.FromBucket(bucket, "bootstrap.zip"),
                    Architecture = Architecture.ARM_64,
                    Handler = "handle",
                    Description = "A step.",
                    RoleDescription = "Runs the step.",
                    MemorySizeMb = 256,
                    TimeoutSeconds = 20,
                    ReservedConcurrentExecutions = 3,
                    Environment = new Dictionary<string, string> { ["SETTING"] = "value" },
                    Statements = [new PolicyStatement(new PolicyStatementProps { Sid = "ReadOneObject", Actions = ["s3:GetObject"], Resources = ["arn:aws:s3:::code-bucket/one"] })],
                    LogRetention = RetentionDays.TWO_WEEKS,
                    LogRemovalPolicy = RemovalPolicy.DESTROY,
                });
                FunctionId = stack.GetLogicalId((CfnElement)Traced.Function.Node.DefaultChild!);
                LogGroupId = stack.GetLogicalId((CfnElement)Traced.LogGroup.Node.DefaultChild!);
            });
        }

        public ConstructTemplate Template { get; }

        public TracedFunction Traced { get; private set; } = null!;

        public string FunctionId { get; private set; } = string.Empty;

        public string LogGroupId { get; private set; } = string.Empty;
    }
}
