using ReferenceArchitectures.Tools.Advisor.Pricing;

namespace ReferenceArchitectures.Tools.Advisor.Estimation;

/// <summary>Pattern 1 as deployed: the functions' memory and architecture, and provisioned concurrency.</summary>
public sealed record LambdaShape(int MemoryMb, CpuArchitecture Architecture, int ProvisionedConcurrency);

/// <summary>
/// How patterns 2 and 3 are reached: through the IAM-authorized HTTP API (their default; VPC links of HTTP APIs cost
/// nothing extra) and, when a rate limit is set, through a WAF web ACL on the load balancer.
/// </summary>
public sealed record EndpointShape(bool SignedApi = true, bool WebAcl = false);

/// <summary>Pattern 2 as deployed: task size, scaling bounds and target, NAT gateways.</summary>
public sealed record FargateServiceShape(int CpuUnits, int MemoryMiB, CpuArchitecture Architecture, int MinTasks, int MaxTasks, double CpuTargetPercent, int NatGateways)
{
    public EndpointShape Endpoint { get; init; } = new();

    public double Vcpus => CpuUnits / 1024.0;
}

/// <summary>Pattern 3 as deployed: instance type and counts, the model server's reservation, root volume, NAT gateways.</summary>
public sealed record GpuServiceShape(string InstanceType, int MinInstances, int MaxInstances, int ContainerCpuUnits, int ContainerMemoryMiB, int MinTasks, int MaxTasks, double TargetPercent, int RootVolumeGiB, int NatGateways)
{
    public EndpointShape Endpoint { get; init; } = new();
}

/// <summary>Pattern 4 as deployed: the step and analysis functions, the heavy-path worker task, NAT gateways.</summary>
public sealed record PipelineShape(int StepMemoryMb, int AnalyzeMemoryMb, CpuArchitecture Architecture, int WorkerCpuUnits, int WorkerMemoryMiB, CpuArchitecture WorkerArchitecture, int NatGateways)
{
    /// <summary>
    /// State transitions of one document: start, preprocess, the routing choice, analysis, store, end (light path);
    /// the heavy path adds the ECS task's wait. Retries add more; the estimate assumes none.
    /// </summary>
    public const int LightPathTransitions = 6;
    public const int HeavyPathTransitions = 7;

    /// <summary>Preprocess and store: small steps, each about this long (assumed; see README).</summary>
    public static readonly TimeSpan StepDuration = TimeSpan.FromMilliseconds(300);
}

/// <summary>Pattern 5 as deployed: the function's memory (which buys its CPU) and architecture, and provisioned concurrency.</summary>
public sealed record LambdaModelShape(int MemoryMb, CpuArchitecture Architecture, int ProvisionedConcurrency);

/// <summary>What each pattern deploys. <see cref="Defaults"/> mirrors the stacks' props defaults; <c>--from-template</c> replaces one pattern's shape with what a synthesized template says.</summary>
public sealed record DeploymentShapes(LambdaShape LambdaBedrock, FargateServiceShape FargateModel, GpuServiceShape GpuInference, PipelineShape HybridPipeline, LambdaModelShape LambdaModel)
{
    public static DeploymentShapes Defaults { get; } = new(
        new LambdaShape(MemoryMb: 512, CpuArchitecture.X64, ProvisionedConcurrency: 0),
        new FargateServiceShape(CpuUnits: 1024, MemoryMiB: 2048, CpuArchitecture.Arm64, MinTasks: 2, MaxTasks: 10, CpuTargetPercent: 60, NatGateways: 1),
        new GpuServiceShape("g5.xlarge", MinInstances: 0, MaxInstances: 2, ContainerCpuUnits: 2048, ContainerMemoryMiB: 12288, MinTasks: 1, MaxTasks: 2, TargetPercent: 70, RootVolumeGiB: 100, NatGateways: 1),
        new PipelineShape(StepMemoryMb: 512, AnalyzeMemoryMb: 1024, CpuArchitecture.X64, WorkerCpuUnits: 2048, WorkerMemoryMiB: 4096, CpuArchitecture.X64, NatGateways: 1),
        new LambdaModelShape(MemoryMb: 1769, CpuArchitecture.X64, ProvisionedConcurrency: 0));
}
