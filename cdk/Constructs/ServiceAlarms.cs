using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.SNS;
using Constructs;

namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>
/// An <see cref="EncryptedAlarmTopic"/> and the alarms of a load-balanced service that notify it, each described
/// with the topic's name first. Shared by the container patterns.
/// </summary>
public sealed class ServiceAlarms : Construct
{
    private readonly string displayName;
    private readonly EncryptedAlarmTopic topic;

    /// <param name="displayName">Shown as the sender of the notifications, e.g. "Fargate model server alarms".</param>
    /// <param name="alarmEmail">Subscribed to the topic; null subscribes nobody.</param>
    public ServiceAlarms(Construct scope, string id, string displayName, string? alarmEmail)
        : base(scope, id)
    {
        this.displayName = displayName;
        topic = EncryptedAlarmTopic.AddTo(this, "Topic", new EncryptedAlarmTopicOptions(displayName, alarmEmail));
    }

    public ITopic Topic => topic.Topic;

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
        ComparisonOperator comparison = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD) =>
        topic.AddAlarm(id, metric, threshold, evaluationPeriods, $"{displayName}: {description}", comparison);
}
