using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Constructs;

namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>
/// An encrypted, SSL-only SNS topic with an optional e-mail subscription, and the alarms that notify it.
/// Shared by the container patterns.
/// </summary>
public sealed class ServiceAlarms : Construct
{
    private readonly string displayName;

    /// <param name="displayName">Shown as the sender of the notifications, e.g. "Fargate model server alarms".</param>
    /// <param name="alarmEmail">Subscribed to the topic; null subscribes nobody.</param>
    public ServiceAlarms(Construct scope, string id, string displayName, string? alarmEmail)
        : base(scope, id)
    {
        this.displayName = displayName;
        var key = new Key(this, "TopicKey", new KeyProps
        {
            Description = $"Encrypts the notifications of '{displayName}'.",
            EnableKeyRotation = true,
            // Nothing outlives the topic this key encrypts; deletion waits the default 30 days.
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        // CloudWatch publishes alarm notifications to the encrypted topic, so it must use the key
        // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
        key.Grant(new ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*");

        Topic = new Topic(this, "Topic", new TopicProps { DisplayName = displayName, MasterKey = key });

        // TopicProps.EnforceSSL is ignored by CDK 2.160, so the SSL-only statement is written out.
        Topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AllowPublishThroughSSLOnly",
            Effect = Effect.DENY,
            Principals = [new AnyPrincipal()],
            Actions = ["sns:Publish"],
            Resources = [Topic.TopicArn],
            Conditions = new Dictionary<string, object>
            {
                ["Bool"] = new Dictionary<string, object> { ["aws:SecureTransport"] = "false" },
            },
        }));
        if (alarmEmail is not null)
        {
            Topic.AddSubscription(new EmailSubscription(alarmEmail));
        }
    }

    public ITopic Topic { get; }

    /// <summary>
    /// The three alarms every load-balanced service has: targets answering 5xx, unhealthy targets, and a p99
    /// response time above <paramref name="p99ResponseTime"/>.
    /// </summary>
    public void AddTargetGroupAlarms(ApplicationTargetGroup targetGroup, Duration p99ResponseTime)
    {
        ArgumentNullException.ThrowIfNull(targetGroup);
        ArgumentNullException.ThrowIfNull(p99ResponseTime);
        var minute = Duration.Minutes(1);
        Add("TargetServerErrors",
            targetGroup.Metrics.HttpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, new MetricOptions { Period = minute, Statistic = Stats.SUM }),
            threshold: 1, evaluationPeriods: 1,
            "The model server answered requests with 5xx.");
        Add("UnhealthyTargets",
            targetGroup.Metrics.UnhealthyHostCount(new MetricOptions { Period = minute, Statistic = Stats.MAXIMUM }),
            threshold: 1, evaluationPeriods: 3,
            "At least one task has failed the load balancer's health check for three minutes.");
        Add("TargetResponseTimeP99",
            targetGroup.Metrics.TargetResponseTime(new MetricOptions { Period = Duration.Minutes(5), Statistic = Stats.P(99) }),
            threshold: p99ResponseTime.ToSeconds(), evaluationPeriods: 2,
            $"The p99 time for the model server to answer has been above {p99ResponseTime.ToSeconds()} s for ten minutes.");
    }

    /// <summary>
    /// An alarm when <paramref name="metric"/> is at or above <paramref name="threshold"/> (or compares as
    /// <paramref name="comparison"/> says) for <paramref name="evaluationPeriods"/> periods, notifying the topic.
    /// </summary>
    public Alarm Add(string id, IMetric metric, double threshold, int evaluationPeriods, string description,
        ComparisonOperator comparison = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
    {
        var alarm = new Alarm(this, id, new AlarmProps
        {
            Metric = metric,
            Threshold = threshold,
            EvaluationPeriods = evaluationPeriods,
            ComparisonOperator = comparison,
            // No traffic is not a failure.
            TreatMissingData = TreatMissingData.NOT_BREACHING,
            AlarmDescription = $"{displayName}: {description}",
        });
        alarm.AddAlarmAction(new SnsAction(Topic));
        return alarm;
    }
}
