using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Constructs;

namespace ReferenceArchitectures.Cdk.Constructs;

/// <param name="DisplayName">Shown as the sender of the notifications, e.g. "Fargate model server alarms".</param>
/// <param name="AlarmEmail">Subscribed to the topic; null subscribes nobody.</param>
public sealed record EncryptedAlarmTopicOptions(string DisplayName, string? AlarmEmail)
{
    /// <summary>The description of the topic's KMS key; by default it names the topic.</summary>
    public string? KeyDescription { get; init; }
}

/// <summary>
/// An SNS topic for alarm notifications, encrypted with a KMS key of its own, that refuses publishing without TLS,
/// with an optional e-mail subscription; and the alarms that notify it. Every pattern's alarms go to one.
/// <para>
/// It adds its resources to the scope it is given instead of a construct of its own: the key as <c>{id}Key</c>, the
/// topic as <c>{id}</c>, and each alarm under its own id. The stacks wrote these resources out before they shared this
/// code, and this way the logical ids stayed what they were, so an update replaces neither the key nor the topic
/// (a new topic's e-mail subscription would have to be confirmed again).
/// </para>
/// </summary>
public sealed class EncryptedAlarmTopic
{
    private readonly Construct scope;

    private EncryptedAlarmTopic(Construct scope, IKey key, ITopic topic)
    {
        this.scope = scope;
        Key = key;
        Topic = topic;
    }

    public IKey Key { get; }

    public ITopic Topic { get; }

    /// <summary>Adds the key and the topic to <paramref name="scope"/>, as <c>{id}Key</c> and <paramref name="id"/>.</summary>
    public static EncryptedAlarmTopic AddTo(Construct scope, string id, EncryptedAlarmTopicOptions options)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(options);
        var key = new Key(scope, id + "Key", new KeyProps
        {
            Description = options.KeyDescription ?? $"Encrypts the notifications of '{options.DisplayName}'.",
            EnableKeyRotation = true,
            // Nothing outlives the topic this key encrypts; deletion waits the default 30 days.
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        // CloudWatch publishes alarm notifications to the encrypted topic, so it must use the key
        // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
        key.Grant(new ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*");

        var topic = new Topic(scope, id, new TopicProps { DisplayName = options.DisplayName, MasterKey = key });

        // TopicProps.EnforceSSL is ignored by CDK 2.160, so the SSL-only statement is written out.
        topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AllowPublishThroughSSLOnly",
            Effect = Effect.DENY,
            Principals = [new AnyPrincipal()],
            Actions = ["sns:Publish"],
            Resources = [topic.TopicArn],
            Conditions = new Dictionary<string, object>
            {
                ["Bool"] = new Dictionary<string, object> { ["aws:SecureTransport"] = "false" },
            },
        }));
        // A topic policy replaces SNS's default policy, so it must let CloudWatch publish itself; without this statement
        // every alarm's history says "not authorized to perform SNS:Publish". The conditions keep the allow to this
        // account's alarms (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html).
        var stack = Stack.Of(scope);
        topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AllowCloudWatchAlarmsOfThisAccount",
            Effect = Effect.ALLOW,
            Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["sns:Publish"],
            Resources = [topic.TopicArn],
            Conditions = new Dictionary<string, object>
            {
                ["ArnLike"] = new Dictionary<string, object> { ["aws:SourceArn"] = $"arn:{stack.Partition}:cloudwatch:{stack.Region}:{stack.Account}:alarm:*" },
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = stack.Account },
            },
        }));
        if (options.AlarmEmail is { } email)
        {
            topic.AddSubscription(new EmailSubscription(email));
        }

        return new EncryptedAlarmTopic(scope, key, topic);
    }

    /// <summary>
    /// An alarm, in the scope the topic was added to, that notifies the topic when <paramref name="metric"/> is at or
    /// above <paramref name="threshold"/> (or compares as <paramref name="comparison"/> says) for
    /// <paramref name="evaluationPeriods"/> periods.
    /// </summary>
    public Alarm AddAlarm(string id, IMetric metric, double threshold, int evaluationPeriods, string description,
        ComparisonOperator comparison = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
    {
        var alarm = new Alarm(scope, id, new AlarmProps
        {
            Metric = metric,
            Threshold = threshold,
            EvaluationPeriods = evaluationPeriods,
            ComparisonOperator = comparison,
            // No traffic is not a failure.
            TreatMissingData = TreatMissingData.NOT_BREACHING,
            AlarmDescription = description,
        });
        alarm.AddAlarmAction(new SnsAction(Topic));
        return alarm;
    }
}
