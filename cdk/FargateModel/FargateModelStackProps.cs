using Amazon.CDK;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Logs;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.FargateModel;

/// <summary>Settings of pattern 2. Every default deploys a working, locked-down stack.</summary>
public sealed class FargateModelStackProps : StackProps
{
    /// <summary>The port the model server listens on.</summary>
    public const int ModelServerPort = 8080;

    /// <summary>Answers 200 once the model is loaded.</summary>
    public const string ModelServerReadyPath = "/health/ready";

    /// <summary>The tasks' CPU and the image's platform: Graviton, about 20% cheaper per vCPU-hour on Fargate than x86.</summary>
    public ProcessorArchitecture Architecture { get; init; } = ProcessorArchitecture.Arm64;

    /// <summary>Task CPU in units of 1/1024 vCPU; with <see cref="MemoryMiB"/>, one of <see cref="FargateTaskSizes"/>.</summary>
    public int CpuUnits { get; init; } = 1024;

    public int MemoryMiB { get; init; } = 2048;

    /// <summary>
    /// Tasks kept running with no load. Above zero, because a new task needs 30–60 s to start and load the
    /// model; two put one in each Availability Zone.
    /// </summary>
    public int MinTasks { get; init; } = 2;

    public int MaxTasks { get; init; } = 10;

    /// <summary>Average CPU the service is scaled to hold.</summary>
    public int CpuTargetPercent { get; init; } = 60;

    /// <summary>Requests per task per minute the service is scaled to hold.</summary>
    public int RequestsPerTarget { get; init; } = 3000;

    public PrivateEgress Egress { get; init; } = PrivateEgress.NatGateways;

    /// <summary>NAT gateways with <see cref="PrivateEgress.NatGateways"/>: 1 is cheapest, 2 survives the loss of a zone.</summary>
    public int NatGateways { get; init; } = 1;

    /// <summary>An ACM certificate in the stack's Region for an HTTPS listener; null serves plain HTTP (trials only).</summary>
    public string? CertificateArn { get; init; }

    /// <summary>How long ECS ignores failed health checks of a new task while it loads the model.</summary>
    public int HealthCheckGracePeriodSeconds { get; init; } = 60;

    /// <summary>How long a task that is leaving keeps serving the requests it already has; embeddings take milliseconds.</summary>
    public int DeregistrationDelaySeconds { get; init; } = 30;

    /// <summary>The p99 target response time above which an alarm fires.</summary>
    public double P99ResponseTimeAlarmSeconds { get; init; } = 1;

    /// <summary>
    /// Who reaches the model server. Authenticated (default): an HTTP API with IAM authorization in front of an
    /// internal load balancer; Internal: clients in the VPC; Public: anyone, for trials.
    /// </summary>
    public EndpointExposure Exposure { get; init; } = EndpointExposure.Authenticated;

    /// <summary>With <see cref="EndpointExposure.Public"/> and no certificate: serve plain HTTP anyway (a short trial only).</summary>
    public bool AllowPlainHttp { get; init; }

    /// <summary>Requests one address may make in five minutes before a WAF rule blocks it; null adds no web ACL.</summary>
    public int? RateLimitPerFiveMinutes { get; init; }

    public RetentionDays LogRetention { get; init; } = RetentionDays.ONE_MONTH;

    /// <summary>Destroy, so that <c>cdk destroy</c> of a trial leaves nothing behind; choose Retain where logs are evidence.</summary>
    public RemovalPolicy LogRemovalPolicy { get; init; } = RemovalPolicy.DESTROY;

    public int AccessLogExpirationDays { get; init; } = 90;

    /// <summary>
    /// Retain by default: access logs are evidence of who called the service, and the lifecycle rule empties
    /// the bucket anyway. Destroy empties and deletes it with the stack.
    /// </summary>
    public RemovalPolicy AccessLogRemovalPolicy { get; init; } = RemovalPolicy.RETAIN;

    /// <summary>E-mail address subscribed to the alarm topic; null subscribes nobody.</summary>
    public string? AlarmEmail { get; init; }

    /// <summary>An image to run instead of building containers/ModelServer/Dockerfile; it must listen on <see cref="ContainerPort"/>.</summary>
    public ContainerImage? Image { get; init; }

    public int ContainerPort { get; init; } = ModelServerPort;

    public string HealthCheckPath { get; init; } = ModelServerReadyPath;

    /// <summary>Checks every setting and throws an <see cref="ArgumentException"/> whose ParamName is the property at fault.</summary>
    public void Validate()
    {
        FargateTaskSizes.Require(CpuUnits, MemoryMiB, nameof(CpuUnits), nameof(MemoryMiB));
        PropsRules.RequireRange(MinTasks, 0, 1000, nameof(MinTasks));
        PropsRules.RequireRange(MaxTasks, Math.Max(1, MinTasks), 1000, nameof(MaxTasks));
        PropsRules.RequireRange(CpuTargetPercent, 10, 95, nameof(CpuTargetPercent));
        PropsRules.RequireRange(RequestsPerTarget, 1, 1_000_000, nameof(RequestsPerTarget));
        PropsRules.RequireRange(NatGateways, 1, ServiceNetwork.AvailabilityZones, nameof(NatGateways));
        PropsRules.RequireRange(HealthCheckGracePeriodSeconds, 0, 7200, nameof(HealthCheckGracePeriodSeconds));
        PropsRules.RequireRange(DeregistrationDelaySeconds, 0, 3600, nameof(DeregistrationDelaySeconds));
        PropsRules.RequireRange(AccessLogExpirationDays, 1, 3650, nameof(AccessLogExpirationDays));
        PropsRules.RequireRange(ContainerPort, 1, 65535, nameof(ContainerPort));
        PropsRules.RequirePositive(P99ResponseTimeAlarmSeconds, nameof(P99ResponseTimeAlarmSeconds));
        PropsRules.RequireCertificateArn(CertificateArn, nameof(CertificateArn));
        PublicLoadBalancer.RequireEndpoint(Exposure, CertificateArn, AllowPlainHttp, RateLimitPerFiveMinutes, nameof(CertificateArn), nameof(RateLimitPerFiveMinutes));
        PropsRules.RequireEmail(AlarmEmail, nameof(AlarmEmail));
        PropsRules.RequirePath(HealthCheckPath, nameof(HealthCheckPath));
    }
}
