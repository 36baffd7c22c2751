using Amazon.CDK.AWS.Ecr.Assets;
using Amazon.CDK.AWS.ECS;
using LambdaArchitecture = Amazon.CDK.AWS.Lambda.Architecture;

namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>
/// The CPU architecture a Lambda function or a Fargate task runs on, and its code or image is built for. Each service
/// spells it its own way; <see cref="ProcessorArchitectures"/> holds the one translation to each.
/// </summary>
public enum ProcessorArchitecture
{
    X64,

    /// <summary>Graviton: about 20% cheaper than x86 per GB-second on Lambda and per vCPU-hour on Fargate.</summary>
    Arm64,
}

/// <summary>What each service calls a <see cref="ProcessorArchitecture"/>.</summary>
public static class ProcessorArchitectures
{
    /// <summary>
    /// The names a user writes in context (cdk.json or <c>-c</c>): those of Lambda's <c>Architectures</c> property, which
    /// ECS's <c>cpuArchitecture</c> writes in capitals, so that a setting reads as it will in the template.
    /// </summary>
    public static IReadOnlyDictionary<string, ProcessorArchitecture> ByName { get; } =
        new Dictionary<string, ProcessorArchitecture>(StringComparer.Ordinal) { ["x86_64"] = ProcessorArchitecture.X64, ["arm64"] = ProcessorArchitecture.Arm64 };

    /// <summary>A Lambda function's instruction set (https://docs.aws.amazon.com/lambda/latest/dg/foundation-arch.html).</summary>
    public static LambdaArchitecture ToLambda(this ProcessorArchitecture architecture) =>
        architecture == ProcessorArchitecture.Arm64 ? LambdaArchitecture.ARM_64 : LambdaArchitecture.X86_64;

    /// <summary>
    /// A task definition's <c>runtimePlatform.cpuArchitecture</c>
    /// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#runtime-platform).
    /// </summary>
    public static CpuArchitecture ToEcs(this ProcessorArchitecture architecture) =>
        architecture == ProcessorArchitecture.Arm64 ? CpuArchitecture.ARM64 : CpuArchitecture.X86_64;

    /// <summary>The platform a container image is built for, which must match the task's CPU.</summary>
    public static Platform_ ToImagePlatform(this ProcessorArchitecture architecture) =>
        architecture == ProcessorArchitecture.Arm64 ? Platform_.LINUX_ARM64 : Platform_.LINUX_AMD64;
}
