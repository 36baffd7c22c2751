namespace ReferenceArchitectures.Tools.Advisor.Estimation;

/// <summary>The service limits that rule a pattern out, each from AWS's documentation.</summary>
public static class AwsLimits
{
    /// <summary>https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html: function timeout 900 seconds.</summary>
    public static readonly TimeSpan LambdaMaxDuration = TimeSpan.FromMinutes(15);

    /// <summary>Same page: memory 128 MB to 10,240 MB.</summary>
    public const int LambdaMaxMemoryMb = 10_240;

    /// <summary>https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html: "At 1,769 MB, a function has the equivalent of one vCPU";
    /// up to 6 vCPUs at 10,240 MB (https://aws.amazon.com/blogs/aws/new-for-aws-lambda-functions-with-up-to-10-gb-of-memory-and-6-vcpus/).</summary>
    public const int LambdaMbPerVcpu = 1_769;
    public const int LambdaMaxVcpus = 6;

    /// <summary>Quotas page: invocation payload 6 MB each for request and response (synchronous).</summary>
    public const double LambdaMaxSynchronousPayloadBytes = 6 * 1024 * 1024;

    /// <summary>Container image code package size, 10 GB (quotas page).</summary>
    public const double LambdaMaxImageBytes = 10d * 1024 * 1024 * 1024;

    /// <summary>HTTP API integration timeout, 30 s (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).</summary>
    public static readonly TimeSpan HttpApiMaxIntegrationTimeout = TimeSpan.FromSeconds(30);

    /// <summary>HTTP API payload size 10 MB (same page).</summary>
    public const double HttpApiMaxPayloadBytes = 10 * 1024 * 1024;

    /// <summary>https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size: up to 16 vCPU and 120 GB.</summary>
    public const double FargateMaxVcpus = 16;
    public const double FargateMaxMemoryMiB = 120 * 1024;

    /// <summary>ALB idle timeout default (60 s): a longer synchronous request needs the setting raised.</summary>
    public static readonly TimeSpan AlbDefaultIdleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Billing minimum of a Fargate task, one minute (https://aws.amazon.com/fargate/pricing/).</summary>
    public static readonly TimeSpan FargateMinimumBilled = TimeSpan.FromMinutes(1);

    /// <summary>G5 instances (https://aws.amazon.com/ec2/instance-types/g5/): vCPUs, memory, GPUs, GPU memory per GPU (A10G, 24 GB).</summary>
    public static IReadOnlyDictionary<string, (int Vcpus, int MemoryGiB, int Gpus, int GpuMemoryGiB)> GpuInstances { get; } =
        new Dictionary<string, (int, int, int, int)>(StringComparer.Ordinal)
        {
            ["g5.xlarge"] = (4, 16, 1, 24),
            ["g5.2xlarge"] = (8, 32, 1, 24),
            ["g5.4xlarge"] = (16, 64, 1, 24),
            ["g5.8xlarge"] = (32, 128, 1, 24),
            ["g5.12xlarge"] = (48, 192, 4, 24),
            ["g5.16xlarge"] = (64, 256, 1, 24),
        };

    /// <summary>The smallest Fargate size with at least these vCPUs and MiB, or null when none is that large.</summary>
    public static (int CpuUnits, int MemoryMiB)? SmallestFargateSize(double vcpus, double memoryMiB)
    {
        // The CDK app's table of valid sizes (AWS's, cited there), so the advisor never proposes one Fargate refuses.
        foreach (var (cpuUnits, memories) in ReferenceArchitectures.Cdk.Constructs.FargateTaskSizes.MemoryMiBByCpuUnits)
        {
            if (cpuUnits / 1024.0 < vcpus)
            {
                continue;
            }

            foreach (var memory in memories)
            {
                if (memory >= memoryMiB)
                {
                    return (cpuUnits, memory);
                }
            }
        }

        return null;
    }
}
