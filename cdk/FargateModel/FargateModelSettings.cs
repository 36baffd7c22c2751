using Amazon.CDK;
using Constructs;
using ReferenceArchitectures.Cdk.Configuration;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.FargateModel;

/// <summary>Maps the <c>fargateModel:*</c> context settings to <see cref="FargateModelStackProps"/>.</summary>
public static class FargateModelSettings
{
    public const string Prefix = "fargateModel:";

    /// <summary>The values the architecture setting takes, as written in cdk.json or after -c.</summary>
    public static IReadOnlyDictionary<string, ProcessorArchitecture> Architectures => ProcessorArchitectures.ByName;

    private static readonly IReadOnlyDictionary<string, PrivateEgress> Egresses =
        new Dictionary<string, PrivateEgress>(StringComparer.Ordinal) { ["nat"] = PrivateEgress.NatGateways, ["endpoints"] = PrivateEgress.VpcEndpoints };

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
        [nameof(FargateModelStackProps.RateLimitPerFiveMinutes)] = "wafRateLimit",
        [nameof(FargateModelStackProps.CpuUnits)] = "cpu",
    };

    /// <summary>Reads the settings once; a value that cannot be used throws <see cref="ContextSettingException"/> naming its key.</summary>
    public static FargateModelStackProps FromContext(Node node, IEnvironment? environment)
    {
        var context = new ContextReader(node, Prefix);
        var defaults = new FargateModelStackProps();
        var props = new FargateModelStackProps
        {
            Env = environment,
            Description = "AI reference architecture 2: an ASP.NET Core model server (all-MiniLM-L6-v2 on ONNX Runtime) on Fargate behind an Application Load Balancer.",
            Architecture = context.GetChoice("architecture", Architectures) ?? defaults.Architecture,
            CpuUnits = context.GetInt("cpu") ?? defaults.CpuUnits,
            MemoryMiB = context.GetInt("memoryMiB") ?? defaults.MemoryMiB,
            MinTasks = context.GetInt("minTasks") ?? defaults.MinTasks,
            MaxTasks = context.GetInt("maxTasks") ?? defaults.MaxTasks,
            CpuTargetPercent = context.GetInt("cpuTargetPercent") ?? defaults.CpuTargetPercent,
            RequestsPerTarget = context.GetInt("requestsPerTarget") ?? defaults.RequestsPerTarget,
            Egress = context.GetChoice("egress", Egresses) ?? defaults.Egress,
            NatGateways = context.GetInt("natGateways") ?? defaults.NatGateways,
            CertificateArn = context.GetString("certificateArn"),
            Exposure = context.GetChoice("exposure", Exposures) ?? defaults.Exposure,
            AllowPlainHttp = context.GetChoice("allowPlainHttp", YesOrNo) ?? defaults.AllowPlainHttp,
            RateLimitPerFiveMinutes = context.GetInt("wafRateLimit"),
            HealthCheckGracePeriodSeconds = context.GetInt("healthCheckGracePeriodSeconds") ?? defaults.HealthCheckGracePeriodSeconds,
            DeregistrationDelaySeconds = context.GetInt("deregistrationDelaySeconds") ?? defaults.DeregistrationDelaySeconds,
            P99ResponseTimeAlarmSeconds = context.GetDouble("p99ResponseTimeAlarmSeconds") ?? defaults.P99ResponseTimeAlarmSeconds,
            LogRetention = context.GetChoice("logRetentionDays", CommonChoices.LogRetentionDays) ?? defaults.LogRetention,
            LogRemovalPolicy = context.GetChoice("logRemovalPolicy", CommonChoices.RemovalPolicies) ?? defaults.LogRemovalPolicy,
            AccessLogExpirationDays = context.GetInt("accessLogExpirationDays") ?? defaults.AccessLogExpirationDays,
            AccessLogRemovalPolicy = context.GetChoice("accessLogRemovalPolicy", CommonChoices.RemovalPolicies) ?? defaults.AccessLogRemovalPolicy,
            AlarmEmail = context.GetString("alarmEmail"),
        };

        return context.Validated(props, props.Validate, SettingNames);
    }
}
