using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.SNS;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.Tests;

[Collection(SynthesizedApp.Name)]
public sealed class NagTests(SynthesizedAppFixture app)
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(3);

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Every_stack_passes_cdk_nag_AwsSolutions_and_Serverless()
    {
        using var timeout = new CancellationTokenSource(SafetyNet);

        var result = await NagCheck.RunAsync(app.Stacks.Values.Select(stack => stack.TemplatePath), timeout.Token);

        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Fact]
    public void No_function_runs_on_a_deprecated_runtime()
    {
        // Lambda's deprecated runtimes as of this writing (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html).
        string[] deprecated = ["nodejs16.x", "nodejs18.x", "nodejs20.x", "python3.8", "python3.9", "dotnet6", "dotnet8", "provided.al2"];
        var runtimes = app.Stacks.Values
            .SelectMany(stack => System.Text.Json.Nodes.JsonNode.Parse(stack.Json)!["Resources"]!.AsObject())
            .Where(resource => (string?)resource.Value!["Type"] == "AWS::Lambda::Function")
            .Select(resource => (resource.Key, Runtime: resource.Value!["Properties"]!["Runtime"]!.ToJsonString()))
            .ToList();

        Assert.NotEmpty(runtimes);
        Assert.All(runtimes, function =>
            Assert.True(function.Runtime.StartsWith('"') && !deprecated.Contains(function.Runtime.Trim('"')),
                $"{function.Key} runs on {function.Runtime}"));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Nag_check_reports_a_plain_http_topic_and_a_wildcard_policy()
    {
        using var timeout = new CancellationTokenSource(SafetyNet);
        var template = SynthesizeBadStack(acknowledge: false);

        var result = await NagCheck.RunAsync([template], timeout.Token);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("AwsSolutions-SNS3", result.Output, StringComparison.Ordinal);
        Assert.Contains("AwsSolutions-IAM5[Resource::*]", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Nag_check_honours_cdk_nag_metadata_acknowledgments()
    {
        using var timeout = new CancellationTokenSource(SafetyNet);
        var template = SynthesizeBadStack(acknowledge: true);

        var result = await NagCheck.RunAsync([template], timeout.Token);

        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Fact]
    public void Acknowledgment_without_a_real_reason_is_rejected()
    {
        var stack = new Stack(new App(), "Reasonless");
        var topic = new Topic(stack, "Topic");

        Assert.Throws<ArgumentException>(() => NagAcknowledgements.Acknowledge(topic, "AwsSolutions-SNS2", "because"));
    }

    private static string SynthesizeBadStack(bool acknowledge)
    {
        var outdir = Directory.CreateTempSubdirectory("cdk-nag-bad-").FullName;
        var badApp = new App(new AppProps { Outdir = outdir });
        var stack = new Stack(badApp, "BadStack");
        var topic = new Topic(stack, "PlainTopic");
        var role = new Role(stack, "WideRole", new RoleProps { AssumedBy = new ServicePrincipal("lambda.amazonaws.com") });
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["sqs:SendMessage"], Resources = ["*"] }));
        if (acknowledge)
        {
            NagAcknowledgements.Acknowledge(topic, "AwsSolutions-SNS3", "A test topic that deliberately allows plain HTTP.");
            NagAcknowledgements.Acknowledge(
                role.Node.FindChild("DefaultPolicy").Node.FindChild("Resource"),
                "AwsSolutions-IAM5",
                "A test policy that deliberately grants on every resource.",
                "Resource::*");
        }

        badApp.Synth();
        return Path.Combine(outdir, "BadStack.template.json");
    }
}
