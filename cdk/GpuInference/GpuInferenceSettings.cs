using Amazon.CDK;
using Constructs;
using ReferenceArchitectures.Cdk.Configuration;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.GpuInference;

/// <summary>Maps the <c>gpuInference:*</c> context settings to <see cref="GpuInferenceStackProps"/>.</summary>
public static class GpuInferenceSettings
{
    public const string Prefix = "gpuInference:";

    private static readonly IReadOnlyDictionary<string, PrivateEgress> Egresses =
        new Dictionary<string, PrivateEgress>(StringComparer.Ordinal) { ["nat"] = PrivateEgress.NatGateways, ["endpoints"] = PrivateEgress.VpcEndpoints };

    private static readonly IReadOnlyDictionary<string, GpuAmiSelection> AmiSelections =
        new Dictionary<string, GpuAmiSelection>(StringComparer.Ordinal) { ["latest"] = GpuAmiSelection.LatestAtDeploy, ["cached"] = GpuAmiSelection.CachedInContext };

    /// <summary>The values a yes-or-no setting takes.</summary>
    public static IReadOnlyDictionary<string, bool> Booleans { get; } =
        new Dictionary<string, bool>(StringComparer.Ordinal) { ["true"] = true, ["false"] = false };

    private static readonly IReadOnlyDictionary<string, EndpointExposure> Exposures = new Dictionary<string, EndpointExposure>(StringComparer.Ordinal)
    {
        ["authenticated"] = EndpointExposure.Authenticated,
        ["internal"] = EndpointExposure.Internal,
        ["public"] = EndpointExposure.Public,
    };

    private static readonly IReadOnlyDictionary<string, bool> YesOrNo =
        new Dictionary<string, bool>(StringComparer.Ordinal) { ["true"] = true, ["false"] = false };

    // Settings whose key is not the property's name in camel case.
    private static readonly IReadOnlyDictionary<string, string> SettingNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [nameof(GpuInferenceStackProps.RateLimitPerFiveMinutes)] = "wafRateLimit",
        [nameof(GpuInferenceStackProps.ContainerCpuUnits)] = "containerCpu",
    };

    /// <summary>Reads the settings once; a value that cannot be used throws <see cref="ContextSettingException"/> naming its key.</summary>
    public static GpuInferenceStackProps FromContext(Node node, IEnvironment? environment)
    {
        var context = new ContextReader(node, Prefix);
        var defaults = new GpuInferenceStackProps();
        var props = new GpuInferenceStackProps
        {
            Env = environment,
            Description = "AI reference architecture 3: the model server built for CUDA on g5 GPU instances (ECS on EC2) behind an Application Load Balancer.",
            InstanceType = context.GetString("instanceType") ?? defaults.InstanceType,
            MinInstances = context.GetInt("minInstances") ?? defaults.MinInstances,
            MaxInstances = context.GetInt("maxInstances") ?? defaults.MaxInstances,
            DesiredInstances = context.GetInt("desiredInstances"),
            AmiSelection = context.GetChoice("amiSelection", AmiSelections) ?? defaults.AmiSelection,
            AmiId = context.GetString("amiId"),
            RootVolumeGiB = context.GetInt("rootVolumeGiB") ?? defaults.RootVolumeGiB,
            ContainerCpuUnits = context.GetInt("containerCpu") ?? defaults.ContainerCpuUnits,
            ContainerMemoryMiB = context.GetInt("containerMemoryMiB") ?? defaults.ContainerMemoryMiB,
            MinTasks = context.GetInt("minTasks") ?? defaults.MinTasks,
            MaxTasks = context.GetInt("maxTasks") ?? defaults.MaxTasks,
            StartWithoutTasks = context.GetChoice("startWithoutTasks", Booleans) ?? defaults.StartWithoutTasks,
            DeploymentMinHealthyPercent = context.GetInt("deploymentMinHealthyPercent") ?? defaults.DeploymentMinHealthyPercent,
            DeploymentMaxPercent = context.GetInt("deploymentMaxPercent") ?? defaults.DeploymentMaxPercent,
            AvailabilityZones = context.GetList("availabilityZones"),
            CpuTargetPercent = context.GetInt("cpuTargetPercent") ?? defaults.CpuTargetPercent,
            RequestsPerTarget = context.GetInt("requestsPerTarget") ?? defaults.RequestsPerTarget,
            HealthCheckGracePeriodSeconds = context.GetInt("healthCheckGracePeriodSeconds") ?? defaults.HealthCheckGracePeriodSeconds,
            DeregistrationDelaySeconds = context.GetInt("deregistrationDelaySeconds") ?? defaults.DeregistrationDelaySeconds,
            P99ResponseTimeAlarmSeconds = context.GetDouble("p99ResponseTimeAlarmSeconds") ?? defaults.P99ResponseTimeAlarmSeconds,
            ModelS3Uri = context.GetString("modelS3Uri"),
            AllowCpuFallback = context.GetChoice("allowCpuFallback", Booleans) ?? defaults.AllowCpuFallback,
            Egress = context.GetChoice("egress", Egresses) ?? defaults.Egress,
            NatGateways = context.GetInt("natGateways") ?? defaults.NatGateways,
            CertificateArn = context.GetString("certificateArn"),
            Exposure = context.GetChoice("exposure", Exposures) ?? defaults.Exposure,
            AllowPlainHttp = context.GetChoice("allowPlainHttp", YesOrNo) ?? defaults.AllowPlainHttp,
            RateLimitPerFiveMinutes = context.GetInt("wafRateLimit"),
            LogRetention = context.GetChoice("logRetentionDays", CommonChoices.LogRetentionDays) ?? defaults.LogRetention,
            LogRemovalPolicy = context.GetChoice("logRemovalPolicy", CommonChoices.RemovalPolicies) ?? defaults.LogRemovalPolicy,
            AccessLogExpirationDays = context.GetInt("accessLogExpirationDays") ?? defaults.AccessLogExpirationDays,
            AccessLogRemovalPolicy = context.GetChoice("accessLogRemovalPolicy", CommonChoices.RemovalPolicies) ?? defaults.AccessLogRemovalPolicy,
            AlarmEmail = context.GetString("alarmEmail"),
        };

        return context.Validated(props, props.Validate, SettingNames);
    }
}
