using System.Text.Json.Nodes;
using Amazon.CDK;
using ReferenceArchitectures.Cdk.HybridPipeline;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>Pattern 4 synthesized with <c>dataRemovalPolicy=destroy</c>, once for the class.</summary>
public sealed class DestroyedDataPipeline
{
    public DestroyedDataPipeline()
    {
        Stack = HybridPipelineTestApp.Synthesize(new HybridPipelineStackProps { DataRemovalPolicy = RemovalPolicy.DESTROY });
        Template = new TemplateQuery(Stack.Json);
    }

    public SynthesizedStack Stack { get; }

    public TemplateQuery Template { get; }
}

/// <summary>
/// What <c>cdk destroy</c> does to pattern 4's data, against the rules of the services: S3 deletes only an empty bucket
/// ("all objects, including all object versions and delete markers, must be deleted",
/// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html); access logs arrive on a best-effort basis, late
/// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html#LogDeliveryBestEffort); Step Functions log groups
/// outside <c>/aws/vendedlogs/</c> each grow the account's 5,120-character log resource policy
/// (https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html).
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed class HybridPipelineRemovalTests(SynthesizedAppFixture app, DestroyedDataPipeline destroyed) : IClassFixture<DestroyedDataPipeline>
{
    private readonly TemplateQuery retained = new(app.HybridPipeline.Json);

    [Fact]
    public void With_destroy_every_bucket_that_is_deleted_is_emptied_first()
    {
        var buckets = destroyed.Template.OfType("AWS::S3::Bucket");
        var emptied = EmptiedBuckets(destroyed.Template);

        var deleted = buckets.Where(bucket => (string?)bucket.Value["DeletionPolicy"] == "Delete").Select(bucket => bucket.Key).ToList();

        Assert.NotEmpty(deleted);
        Assert.All(deleted, id => Assert.Contains(id, emptied));
    }

    [Fact]
    public void With_retain_no_bucket_is_emptied()
    {
        Assert.Empty(EmptiedBuckets(retained));
        Assert.All(retained.OfType("AWS::S3::Bucket").Values, bucket => Assert.Equal("Retain", (string?)bucket["DeletionPolicy"]));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_bucket_that_receives_access_logs_is_always_retained(bool destroy)
    {
        var template = destroy ? destroyed.Template : retained;
        var logTargets = template.OfType("AWS::S3::Bucket").Values
            .Select(bucket => TemplateQuery.Render(bucket["Properties"]?["LoggingConfiguration"]?["DestinationBucketName"]))
            .Where(target => target.Length > 0)
            .Distinct()
            .ToList();

        Assert.NotEmpty(logTargets);
        Assert.All(logTargets, target =>
        {
            var id = target.Trim('$', '{', '}');
            Assert.Equal("Retain", (string?)template.Resource(id)["DeletionPolicy"]);
            Assert.DoesNotContain(id, EmptiedBuckets(template));
        });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_dead_letter_queue_is_kept_whenever_the_records_are(bool destroy)
    {
        var template = destroy ? destroyed.Template : retained;
        var table = Assert.Single(template.OfType("AWS::DynamoDB::Table").Values);
        // The dead letters and the uploads still waiting for a slot are both work not done yet.
        var queues = template.OfType("AWS::SQS::Queue").Values.ToList();

        Assert.Equal(2, queues.Count);
        Assert.All(queues, queue => Assert.Equal((string?)table["DeletionPolicy"], (string?)queue["DeletionPolicy"]));
        Assert.All(queues, queue => Assert.Equal((string?)table["UpdateReplacePolicy"], (string?)queue["UpdateReplacePolicy"]));
    }

    [Fact]
    public void The_state_machine_logs_to_a_group_under_aws_vendedlogs()
    {
        var machine = Assert.Single(retained.OfType("AWS::StepFunctions::StateMachine").Values);
        var destination = machine["Properties"]!["LoggingConfiguration"]!["Destinations"]![0]!["CloudWatchLogsLogGroup"]!["LogGroupArn"]!;
        var groupId = (string)destination["Fn::GetAtt"]![0]!;

        var name = retained.Resource(groupId)["Properties"]!["LogGroupName"];

        Assert.NotNull(name);
        var parts = name!["Fn::Join"]![1]!.AsArray();
        Assert.StartsWith("/aws/vendedlogs/", (string?)parts[0], StringComparison.Ordinal);
        // Unique per deployment: the stack's name and the unique part of its id.
        Assert.Contains("AWS::StackName", name.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("AWS::StackId", name.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task With_destroy_the_template_passes_cdk_nag()
    {
        // dataRemovalPolicy=destroy adds the CDK's bucket-emptying provider, whose findings are acknowledged where it is added.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        var result = await NagCheck.RunAsync([destroyed.Stack.TemplatePath], timeout.Token);

        Assert.True(result.ExitCode == 0, result.Output);
    }

    private static HashSet<string> EmptiedBuckets(TemplateQuery template) =>
        [.. template.OfType("Custom::S3AutoDeleteObjects").Values.Select(resource => TemplateQuery.Render(resource["Properties"]!["BucketName"]).Trim('$', '{', '}'))];
}
