using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Logs;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.GpuInference;

/// <summary>Which GPU-optimised ECS AMI the instances boot.</summary>
public enum GpuAmiSelection
{
    /// <summary>
    /// The AMI that AWS's public SSM parameter recommends at each deployment. A deployment after AWS publishes
    /// a newer AMI gives new instances the newer AMI; running instances are not replaced.
    /// </summary>
    LatestAtDeploy,

    /// <summary>
    /// Looked up once at synth and recorded in cdk.context.json, so every later deployment uses the same AMI
    /// until that entry is removed. Needs an account and Region at synth.
    /// </summary>
    CachedInContext,
}

/// <summary>Settings of pattern 3. Every default deploys a working, locked-down stack (on a g5.xlarge).</summary>
public sealed partial class GpuInferenceStackProps : StackProps
{
    public const int ModelServerPort = 8080;
    public const string ModelServerReadyPath = "/health/ready";

    public string InstanceType { get; init; } = "g5.xlarge";

    /// <summary>0 lets the cluster scale to no instances when no task needs one.</summary>
    public int MinInstances { get; init; }

    public int MaxInstances { get; init; } = 2;

    /// <summary>
    /// Instances requested at deployment; null leaves the number to the capacity provider's managed scaling
    /// (recommended: a fixed value is re-applied at every deployment and fights the scaling).
    /// </summary>
    public int? DesiredInstances { get; init; }

    public GpuAmiSelection AmiSelection { get; init; } = GpuAmiSelection.LatestAtDeploy;

    /// <summary>A pinned AMI id (ami-...), valid in the stack's Region; overrides <see cref="AmiSelection"/>.</summary>
    public string? AmiId { get; init; }

    /// <summary>Root volume: the ECS GPU AMI, a CUDA runtime image of several GB, and a downloaded model.</summary>
    public int RootVolumeGiB { get; init; } = 100;

    /// <summary>CPU units reserved for the model server (1024 = one vCPU); a g5.xlarge has 4 vCPUs.</summary>
    public int ContainerCpuUnits { get; init; } = 2048;

    /// <summary>Hard memory limit of the model server; a g5.xlarge has 16 GiB, part of which the OS and ECS agent use.</summary>
    public int ContainerMemoryMiB { get; init; } = 12288;

    /// <summary>Tasks kept running; 0 with <see cref="MinInstances"/> 0 scales everything to zero (nothing serves until tasks are raised).</summary>
    public int MinTasks { get; init; } = 1;

    /// <summary>One task per GPU: with <see cref="MaxInstances"/> single-GPU instances, at most that many tasks can run.</summary>
    public int MaxTasks { get; init; } = 2;

    /// <summary>
    /// Creates (or keeps) the service with no task, and lets nothing raise it: the stack then deploys without a GPU,
    /// whatever the quota and the zones offer. Deploy again without it to start <see cref="MinTasks"/> tasks; that
    /// deployment does not wait for them. CloudFormation otherwise creates the service with one task and waits
    /// until it runs.
    /// </summary>
    public bool StartWithoutTasks { get; init; }

    /// <summary>
    /// Running tasks a deployment keeps, as a percentage of the desired count (rounded up). Below 100 so that a
    /// deployment at <see cref="MaxTasks"/> can stop an old task to free its GPU: at 100 with every GPU taken, the new
    /// task never finds one.
    /// </summary>
    public int DeploymentMinHealthyPercent { get; init; } = 50;

    /// <summary>Tasks a deployment may run, as a percentage of the desired count (rounded down).</summary>
    public int DeploymentMaxPercent { get; init; } = 200;

    /// <summary>The two Availability Zones, by name, in which instances run; null takes the Region's first two, which may not offer <see cref="InstanceType"/>.</summary>
    public IReadOnlyList<string>? AvailabilityZones { get; init; }

    public int CpuTargetPercent { get; init; } = 70;

    /// <summary>Requests per task per minute the service is scaled to hold.</summary>
    public int RequestsPerTarget { get; init; } = 6000;

    /// <summary>
    /// How long ECS ignores failed health checks of a new task: pulling a CUDA image, starting CUDA and loading
    /// (or downloading) the model take minutes, not seconds.
    /// </summary>
    public int HealthCheckGracePeriodSeconds { get; init; } = 600;

    public int DeregistrationDelaySeconds { get; init; } = 30;

    public double P99ResponseTimeAlarmSeconds { get; init; } = 1;

    /// <summary>
    /// Where the server takes its model from: null for the MiniLM embedded in the image, or an S3 prefix
    /// (<c>s3://bucket/prefix/</c>) holding <c>model.onnx</c> and <c>vocab.txt</c>.
    /// </summary>
    public string? ModelS3Uri { get; init; }

    /// <summary>Lets the server run on the CPU when no GPU is usable; off, so that a broken GPU setup stops the task.</summary>
    public bool AllowCpuFallback { get; init; }

    public PrivateEgress Egress { get; init; } = PrivateEgress.NatGateways;

    public int NatGateways { get; init; } = 1;

    public string? CertificateArn { get; init; }

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

    public RemovalPolicy LogRemovalPolicy { get; init; } = RemovalPolicy.DESTROY;

    public int AccessLogExpirationDays { get; init; } = 90;

    public RemovalPolicy AccessLogRemovalPolicy { get; init; } = RemovalPolicy.RETAIN;

    public string? AlarmEmail { get; init; }

    /// <summary>
    /// Another serving image (vLLM, TGI, Triton, ...) instead of building containers/ModelServer/Dockerfile.gpu.
    /// The model-server environment is still set; other images ignore it. Set <see cref="ContainerPort"/>,
    /// <see cref="HealthCheckPath"/> and, for images that write outside /tmp or need root, <see cref="ReadonlyRootFilesystem"/>
    /// and <see cref="ContainerUser"/>.
    /// </summary>
    public ContainerImage? Image { get; init; }

    public int ContainerPort { get; init; } = ModelServerPort;

    public string HealthCheckPath { get; init; } = ModelServerReadyPath;

    public bool ReadonlyRootFilesystem { get; init; } = true;

    /// <summary>The user the container runs as; the .NET images' non-root <c>app</c> user by default, null for the image's own.</summary>
    public string? ContainerUser { get; init; } = "1654";

    /// <summary>The bucket and key prefix of <see cref="ModelS3Uri"/>, or null for the embedded model.</summary>
    public (string Bucket, string Prefix)? ModelS3Location =>
        ModelS3Uri is { } uri && S3Uri().Match(uri) is { Success: true } match
            ? (match.Groups["bucket"].Value, match.Groups["prefix"].Value)
            : null;

    /// <summary>Checks every setting and throws an <see cref="ArgumentException"/> whose ParamName is the property at fault.</summary>
    public void Validate()
    {
        if (!InstanceTypeName().IsMatch(InstanceType))
        {
            throw new ArgumentException($"{nameof(InstanceType)} must be an EC2 instance type such as g5.xlarge; got '{InstanceType}'.", nameof(InstanceType));
        }

        PropsRules.RequireRange(MinInstances, 0, 100, nameof(MinInstances));
        PropsRules.RequireRange(MaxInstances, Math.Max(1, MinInstances), 100, nameof(MaxInstances));
        if (DesiredInstances is { } desired)
        {
            PropsRules.RequireRange(desired, MinInstances, MaxInstances, nameof(DesiredInstances));
        }

        if (AmiId is not null && !AmiIdPattern().IsMatch(AmiId))
        {
            throw new ArgumentException($"{nameof(AmiId)} must be an AMI id such as ami-0123456789abcdef0; got '{AmiId}'.", nameof(AmiId));
        }

        // 30 GiB is the ECS GPU AMI's own snapshot size; below it the instance cannot boot.
        PropsRules.RequireRange(RootVolumeGiB, 30, 16384, nameof(RootVolumeGiB));
        PropsRules.RequireRange(ContainerCpuUnits, 128, 192 * 1024, nameof(ContainerCpuUnits));
        PropsRules.RequireRange(ContainerMemoryMiB, 512, 2048 * 1024, nameof(ContainerMemoryMiB));
        PropsRules.RequireRange(MinTasks, 0, 1000, nameof(MinTasks));
        PropsRules.RequireRange(MaxTasks, Math.Max(1, MinTasks), MaxInstances * GpusPerTask, nameof(MaxTasks));
        PropsRules.RequireRange(DeploymentMinHealthyPercent, 0, 100, nameof(DeploymentMinHealthyPercent));
        PropsRules.RequireRange(DeploymentMaxPercent, 100, 200, nameof(DeploymentMaxPercent));
        RequireDeploymentsCanProgress();
        RequireZones();
        PropsRules.RequireRange(CpuTargetPercent, 10, 95, nameof(CpuTargetPercent));
        PropsRules.RequireRange(RequestsPerTarget, 1, 1_000_000, nameof(RequestsPerTarget));
        PropsRules.RequireRange(HealthCheckGracePeriodSeconds, 0, 7200, nameof(HealthCheckGracePeriodSeconds));
        PropsRules.RequireRange(DeregistrationDelaySeconds, 0, 3600, nameof(DeregistrationDelaySeconds));
        PropsRules.RequireRange(NatGateways, 1, ServiceNetwork.AvailabilityZones, nameof(NatGateways));
        PropsRules.RequireRange(AccessLogExpirationDays, 1, 3650, nameof(AccessLogExpirationDays));
        PropsRules.RequireRange(ContainerPort, 1, 65535, nameof(ContainerPort));
        PropsRules.RequirePositive(P99ResponseTimeAlarmSeconds, nameof(P99ResponseTimeAlarmSeconds));
        PropsRules.RequireCertificateArn(CertificateArn, nameof(CertificateArn));
        PublicLoadBalancer.RequireEndpoint(Exposure, CertificateArn, AllowPlainHttp, RateLimitPerFiveMinutes, nameof(CertificateArn), nameof(RateLimitPerFiveMinutes));
        PropsRules.RequireEmail(AlarmEmail, nameof(AlarmEmail));
        PropsRules.RequirePath(HealthCheckPath, nameof(HealthCheckPath));
        if (ModelS3Uri is not null && ModelS3Location is null)
        {
            throw new ArgumentException(
                $"{nameof(ModelS3Uri)} must be an S3 prefix such as s3://my-models/bge-large/ (a bucket name, a key prefix ending in '/', holding model.onnx and vocab.txt); got '{ModelS3Uri}'.",
                nameof(ModelS3Uri));
        }
    }

    /// <summary>One task per GPU, one GPU per instance: the instance types this pattern is for have one.</summary>
    public const int GpusPerTask = 1;

    /// <summary>
    /// Whether a rolling deployment at <paramref name="desired"/> tasks can make progress when <paramref name="gpus"/>
    /// GPUs exist at most. ECS keeps at least desired × minimum-healthy % running (rounded up) and at most desired ×
    /// maximum % (rounded down)
    /// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_definition_parameters.html#sd-deploymentconfiguration).
    /// It progresses if it may start a task on a free GPU, or stop an old task first.
    /// </summary>
    public static bool DeploymentCanProgress(int desired, int minHealthyPercent, int maxPercent, int gpus)
    {
        var mayStart = (desired * maxPercent / 100) > desired && gpus > desired;
        var mayStop = (int)Math.Ceiling(desired * minHealthyPercent / 100.0) < desired;
        return desired == 0 || mayStart || mayStop;
    }

    private void RequireDeploymentsCanProgress()
    {
        var gpus = MaxInstances * GpusPerTask;
        foreach (var desired in Enumerable.Range(Math.Max(1, MinTasks), MaxTasks - Math.Max(1, MinTasks) + 1))
        {
            if (!DeploymentCanProgress(desired, DeploymentMinHealthyPercent, DeploymentMaxPercent, gpus))
            {
                throw new ArgumentException(
                    $"{nameof(DeploymentMinHealthyPercent)} {DeploymentMinHealthyPercent} with {nameof(DeploymentMaxPercent)} {DeploymentMaxPercent} lets a deployment at {desired} task(s) neither stop an old task nor start a new one on the {gpus} GPU(s) of {nameof(MaxInstances)}; lower {nameof(DeploymentMinHealthyPercent)} or raise {nameof(MaxInstances)}.",
                    nameof(DeploymentMinHealthyPercent));
            }
        }
    }

    private void RequireZones()
    {
        if (AvailabilityZones is null)
        {
            return;
        }

        if (AvailabilityZones.Count != ServiceNetwork.AvailabilityZones || AvailabilityZones.Distinct(StringComparer.Ordinal).Count() != AvailabilityZones.Count
            || !AvailabilityZones.All(ZoneName().IsMatch))
        {
            throw new ArgumentException(
                $"{nameof(AvailabilityZones)} must be {ServiceNetwork.AvailabilityZones} different zone names of one Region, such as us-east-1a,us-east-1c; got '{string.Join(",", AvailabilityZones)}'.",
                nameof(AvailabilityZones));
        }
    }

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$")]
    private static partial Regex ZoneName();

    [GeneratedRegex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$")]
    private static partial Regex InstanceTypeName();

    [GeneratedRegex("^ami-[0-9a-f]{8,17}$")]
    private static partial Regex AmiIdPattern();

    // Bucket naming rules: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
    [GeneratedRegex("^s3://(?<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(?<prefix>(?:[^*?\\s]+/)+)$")]
    private static partial Regex S3Uri();
}
