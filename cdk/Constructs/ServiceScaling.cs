using Amazon.CDK;
using Amazon.CDK.AWS.ApplicationAutoScaling;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;

namespace ReferenceArchitectures.Cdk.Constructs;

/// <param name="MinTasks">Tasks kept running with no load.</param>
/// <param name="MaxTasks">Upper bound on tasks.</param>
/// <param name="CpuTargetPercent">Average CPU the service is scaled to hold.</param>
/// <param name="RequestsPerTarget">Requests per task per minute the service is scaled to hold.</param>
public sealed record ServiceScalingOptions(int MinTasks, int MaxTasks, int CpuTargetPercent, int RequestsPerTarget);

/// <summary>Target tracking on CPU and on the load balancer's requests per target. Shared by the container patterns.</summary>
public static class ServiceScaling
{
    /// <summary>
    /// Scale-out reacts within a minute; scale-in waits five, so that a burst followed by a lull does not
    /// throw away tasks that took their start-up time to become ready.
    /// </summary>
    public static readonly Duration ScaleOutCooldown = Duration.Seconds(60);

    public static readonly Duration ScaleInCooldown = Duration.Minutes(5);

    public static ScalableTaskCount Apply(BaseService service, ApplicationTargetGroup targetGroup, ServiceScalingOptions options)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(targetGroup);
        ArgumentNullException.ThrowIfNull(options);
        var taskCount = service.AutoScaleTaskCount(new EnableScalingProps { MinCapacity = options.MinTasks, MaxCapacity = options.MaxTasks });
        taskCount.ScaleOnCpuUtilization("CpuScaling", new CpuUtilizationScalingProps
        {
            TargetUtilizationPercent = options.CpuTargetPercent,
            ScaleOutCooldown = ScaleOutCooldown,
            ScaleInCooldown = ScaleInCooldown,
        });
        taskCount.ScaleOnRequestCount("RequestScaling", new RequestCountScalingProps
        {
            RequestsPerTarget = options.RequestsPerTarget,
            TargetGroup = targetGroup,
            ScaleOutCooldown = ScaleOutCooldown,
            ScaleInCooldown = ScaleInCooldown,
        });
        return taskCount;
    }
}
