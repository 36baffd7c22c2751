namespace ReferenceArchitectures.Tools.Advisor.Workload;

/// <summary>What the workload asks of its compute. Durations are as measured on the hardware it would run on.</summary>
public sealed record WorkloadProfile
{
    /// <summary>The advisor's month, as AWS's pricing pages count it.</summary>
    public const double HoursPerMonth = 730;

    public double RequestsPerDay { get; init; }
    public DailyShape Shape { get; init; } = DailyShape.Flat;
    public TimeSpan MeanDuration { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan P95Duration { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>Memory one worker needs, model included, in MiB.</summary>
    public double MemoryMiB { get; init; } = 512;
    /// <summary>vCPUs one request keeps busy while it runs.</summary>
    public double Vcpus { get; init; } = 1;
    /// <summary>The larger of request and response body.</summary>
    public double PayloadBytes { get; init; } = 8 * 1024;
    /// <summary>The longest single unit of work (request or job).</summary>
    public TimeSpan LongestJob { get; init; } = TimeSpan.FromSeconds(5);
    public bool NeedsGpu { get; init; }
    /// <summary>Bytes of model weights the code itself loads; 0 when a managed service (Bedrock) hosts the model.</summary>
    public double ModelBytes { get; init; }
    /// <summary>The caller waits for the answer in the same HTTP request.</summary>
    public bool Synchronous { get; init; } = true;
    /// <summary>
    /// The callers run inside the VPC (or a network joined to it), so patterns 2 and 3 can be deployed with
    /// <c>exposure=internal</c>: no HTTP API in front, and no per-request charge for one.
    /// </summary>
    public bool CallersInVpc { get; init; }
    /// <summary>Traffic from private subnets to the internet or AWS APIs (image pulls, model downloads, Bedrock calls).</summary>
    public double NatBytesPerMonth { get; init; } = 10d * 1024 * 1024 * 1024;
    /// <summary>Requests one GPU works on at once (batching); the GPU pattern's tasks scale on it.</summary>
    public double ConcurrencyPerGpu { get; init; } = 4;

    public double RequestsPerMonth => RequestsPerDay * HoursPerMonth / 24;
    public double MeanRequestsPerSecond => RequestsPerDay / 86_400;

    /// <summary>Requests in flight at once in each hour of the day (Little's law: rate × mean duration).</summary>
    public IReadOnlyList<double> HourlyConcurrency =>
        Shape.HourlyShares.Select(share => RequestsPerDay * share / 3600 * MeanDuration.TotalSeconds).ToArray();

    public IReadOnlyList<double> HourlyRequestsPerSecond =>
        Shape.HourlyShares.Select(share => RequestsPerDay * share / 3600).ToArray();

    /// <summary>Rejects combinations that cannot describe a real workload.</summary>
    public WorkloadProfile Validated()
    {
        if (RequestsPerDay <= 0)
        {
            throw new AdvisorInputException("The profile needs a request rate above zero: requestsPerDay or requestsPerSecond.");
        }

        if (MeanDuration <= TimeSpan.Zero)
        {
            throw new AdvisorInputException("meanDuration must be above zero.");
        }

        if (P95Duration < MeanDuration)
        {
            throw new AdvisorInputException($"p95Duration ({Units.FormatDuration(P95Duration)}) cannot be shorter than meanDuration ({Units.FormatDuration(MeanDuration)}).");
        }

        if (LongestJob < P95Duration)
        {
            throw new AdvisorInputException($"longestJob ({Units.FormatDuration(LongestJob)}) cannot be shorter than p95Duration ({Units.FormatDuration(P95Duration)}).");
        }

        if (MemoryMiB <= 0 || Vcpus <= 0 || ConcurrencyPerGpu <= 0)
        {
            throw new AdvisorInputException("memory, vcpu and concurrencyPerGpu must be above zero.");
        }

        if (!NeedsGpu && ModelBytes > MemoryMiB * 1024 * 1024)
        {
            throw new AdvisorInputException(
                $"The model ({Units.FormatSize(ModelBytes)}) does not fit in the memory given ({Units.FormatSize(MemoryMiB * 1024 * 1024)}); memory must include the model.");
        }

        return this;
    }
}
