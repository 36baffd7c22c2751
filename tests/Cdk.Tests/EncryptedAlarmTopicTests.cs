using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Constructs;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>The alarm topic every pattern's alarms go to, on its own: one topic with an address, one without.</summary>
public sealed class EncryptedAlarmTopicTests(EncryptedAlarmTopicTests.Fixture fixture) : IClassFixture<EncryptedAlarmTopicTests.Fixture>
{
    private readonly TemplateQuery template = fixture.Template.Query;

    [Fact]
    public void The_topic_is_encrypted_with_its_own_rotating_key_that_cloudwatch_may_use()
    {
        var key = template.Resource(fixture.KeyId)["Properties"]!;
        var cloudWatch = key["KeyPolicy"]!["Statement"]!.AsArray()
            .Single(statement => TemplateQuery.Render(statement!["Principal"]!["Service"]) == "cloudwatch.amazonaws.com")!;

        Assert.Equal("${" + fixture.KeyId + ".Arn}", TemplateQuery.Render(template.Resource(fixture.TopicId)["Properties"]!["KmsMasterKeyId"]));
        Assert.True((bool)key["EnableKeyRotation"]!);
        Assert.Equal(["kms:Decrypt", "kms:GenerateDataKey*"], TemplateQuery.Strings(cloudWatch["Action"]).Order());
        Assert.Equal("Encrypts the notifications of 'Test alarms'.", (string?)key["Description"]);
    }

    [Fact]
    public void Publishing_without_tls_is_denied_to_everyone()
    {
        var policy = template.OfType("AWS::SNS::TopicPolicy").Values
            .Single(policy => policy["Properties"]!["Topics"]!.AsArray().Any(topic => (string?)topic!["Ref"] == fixture.TopicId));

        var deny = policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray().Single(statement => (string?)statement!["Effect"] == "Deny")!;

        Assert.Equal("*", TemplateQuery.Render(deny["Principal"]!["AWS"]));
        Assert.Equal("sns:Publish", (string?)deny["Action"]);
        Assert.Equal("false", (string?)deny["Condition"]!["Bool"]!["aws:SecureTransport"]);
    }

    [Fact]
    public void An_address_is_subscribed_by_email_and_no_address_subscribes_nobody()
    {
        var subscription = Assert.Single(template.OfType("AWS::SNS::Subscription").Values)["Properties"]!;

        Assert.Equal("email", (string?)subscription["Protocol"]);
        Assert.Equal("ops@example.com", (string?)subscription["Endpoint"]);
        Assert.Equal(fixture.TopicId, (string?)subscription["TopicArn"]!["Ref"]);
    }

    [Fact]
    public void Key_topic_and_alarms_are_added_to_the_given_scope_so_their_logical_ids_do_not_depend_on_this_construct()
    {
        Assert.Equal($"{ConstructTemplate.StackName}/Alarms", fixture.Topic.Topic.Node.Path);
        Assert.Equal($"{ConstructTemplate.StackName}/AlarmsKey", fixture.Topic.Key.Node.Path);
        Assert.Equal($"{ConstructTemplate.StackName}/Part/QuietKey", fixture.QuietTopic.Key.Node.Path);
        Assert.Equal($"{ConstructTemplate.StackName}/Part/QuietAlarm", fixture.QuietAlarm.Node.Path);
    }

    [Fact]
    public void An_alarm_notifies_its_topic_and_no_data_is_not_a_breach()
    {
        var alarm = template.Resource(fixture.AlarmId)["Properties"]!;

        Assert.Equal("${" + fixture.TopicId + "}", TemplateQuery.Render(Assert.Single(alarm["AlarmActions"]!.AsArray())));
        Assert.Equal("notBreaching", (string?)alarm["TreatMissingData"]);
        Assert.Equal("GreaterThanOrEqualToThreshold", (string?)alarm["ComparisonOperator"]);
        Assert.Equal(5, (double)alarm["Threshold"]!);
        Assert.Equal(3, (int)alarm["EvaluationPeriods"]!);
        Assert.Equal("Errors happened.", (string?)alarm["AlarmDescription"]);
    }

    public sealed class Fixture
    {
        public Fixture()
        {
            Template = ConstructTemplate.Synthesize(stack =>
            {
                Topic = EncryptedAlarmTopic.AddTo(stack, "Alarms", new EncryptedAlarmTopicOptions("Test alarms", "ops@example.com"));
                var alarm = Topic.AddAlarm("Errors", Metric("Errors"), threshold: 5, evaluationPeriods: 3, "Errors happened.");
                var part = new Construct(stack, "Part");
                QuietTopic = EncryptedAlarmTopic.AddTo(part, "Quiet", new EncryptedAlarmTopicOptions("Quiet alarms", AlarmEmail: null) { KeyDescription = "A key of its own." });
                QuietAlarm = QuietTopic.AddAlarm("QuietAlarm", Metric("Other"), threshold: 1, evaluationPeriods: 1, "Something else happened.");
                KeyId = stack.GetLogicalId((CfnElement)Topic.Key.Node.DefaultChild!);
                TopicId = stack.GetLogicalId((CfnElement)Topic.Topic.Node.DefaultChild!);
                AlarmId = stack.GetLogicalId((CfnElement)alarm.Node.DefaultChild!);
            });

            static Metric Metric(string name) => new(new MetricProps { Namespace = "Test", MetricName = name });
        }

        public ConstructTemplate Template { get; }

        public EncryptedAlarmTopic Topic { get; private set; } = null!;

        public EncryptedAlarmTopic QuietTopic { get; private set; } = null!;

        public Alarm QuietAlarm { get; private set; } = null!;

        public string KeyId { get; private set; } = string.Empty;

        public string TopicId { get; private set; } = string.Empty;

        public string AlarmId { get; private set; } = string.Empty;
    }
}
