using Amazon.CDK;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>How one container pattern runs the model server (containers/ModelServer).</summary>
public sealed record ModelServerContainerOptions
{
    public required string ContainerName { get; init; }

    public required ContainerImage Image { get; init; }

    /// <summary>The port the server listens on; ASP.NET Core is told it through the environment.</summary>
    public required int Port { get; init; }

    /// <summary>The user the process runs as; null leaves the image's own.</summary>
    public required string? User { get; init; }

    public required bool ReadonlyRootFilesystem { get; init; }

    /// <summary>Settings only: the task definition is acknowledged as holding no secrets with <see cref="EnvironmentReason"/>.</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    /// <summary>The <see cref="NagReasons"/> text that says why <see cref="Environment"/> holds no secret.</summary>
    public required string EnvironmentReason { get; init; }

    /// <summary>GPUs reserved for the container (EC2 only); null reserves none.</summary>
    public int? GpuCount { get; init; }

    /// <summary>CPU units reserved for the container; null leaves it to the task's size (Fargate).</summary>
    public int? CpuUnits { get; init; }

    /// <summary>Hard memory limit of the container; null leaves it to the task's size (Fargate).</summary>
    public int? MemoryLimitMiB { get; init; }

    public required RetentionDays LogRetention { get; init; }

    public required RemovalPolicy LogRemovalPolicy { get; init; }
}

/// <summary>
/// The model server's container in a task definition, as patterns 2 and 3 both run it: essential, one TCP port, logs
/// in a log group of its own, 30 seconds to finish requests on stop, and a writable <c>/tmp</c> volume under a root
/// filesystem that may be read-only. The log group is added to the scope given, as <c>ModelServerLogs</c>: it holds
/// data, so its logical id stays what the stacks gave it.
/// </summary>
public static class ModelServerContainer
{
    public const string LogGroupId = "ModelServerLogs";

    public static ContainerDefinition AddTo(Construct scope, TaskDefinition taskDefinition, ModelServerContainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(taskDefinition);
        ArgumentNullException.ThrowIfNull(options);
        var logGroup = new LogGroup(scope, LogGroupId, new LogGroupProps { Retention = options.LogRetention, RemovalPolicy = options.LogRemovalPolicy });
        var container = taskDefinition.AddContainer(options.ContainerName, new ContainerDefinitionOptions
        {
            Image = options.Image,
            Essential = true,
            GpuCount = options.GpuCount,
            Cpu = options.CpuUnits,
            MemoryLimitMiB = options.MemoryLimitMiB,
            User = options.User,
            ReadonlyRootFilesystem = options.ReadonlyRootFilesystem,
            PortMappings = [new PortMapping { ContainerPort = options.Port, Protocol = Amazon.CDK.AWS.ECS.Protocol.TCP }],
            Environment = new Dictionary<string, string>(options.Environment, StringComparer.Ordinal),
            Logging = LogDriver.AwsLogs(new AwsLogDriverProps { LogGroup = logGroup, StreamPrefix = "model-server" }),
            StopTimeout = Duration.Seconds(30),
        });
        NagAcknowledgements.Acknowledge(taskDefinition, "AwsSolutions-ECS2", options.EnvironmentReason);
        DockerfileImage.AcknowledgeRegistryLogin(taskDefinition);

        // The root filesystem may be read-only; ASP.NET Core and ONNX Runtime still write temporary files, and a model
        // downloaded from S3 lands in /tmp.
        taskDefinition.AddVolume(new Amazon.CDK.AWS.ECS.Volume { Name = "tmp" });
        container.AddMountPoints(new MountPoint { SourceVolume = "tmp", ContainerPath = "/tmp", ReadOnly = false });
        return container;
    }
}
