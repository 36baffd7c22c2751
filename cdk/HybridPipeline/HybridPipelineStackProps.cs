using Amazon.CDK;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.HybridPipeline;

/// <summary>Settings of pattern 4. Every default deploys a working, locked-down pipeline.</summary>
public sealed class HybridPipelineStackProps : StackProps
{
    /// <summary>Lambda's memory limits, https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html</summary>
    public const int MinMemorySizeMb = 128;
    public const int MaxMemorySizeMb = 10_240;

    /// <summary>Lambda's maximum timeout, https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html</summary>
    public const int MaxFunctionTimeoutSeconds = 900;

    /// <summary>
    /// A Standard workflow runs for at most one year
    /// (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html); a day is far beyond any document.
    /// </summary>
    public const int MaxExecutionTimeoutMinutes = 24 * 60;

    /// <summary>Documents at most this large (and with at most <see cref="LightMaxPages"/> pages) take the Lambda path.</summary>
    public long LightMaxBytes { get; init; } = 1024 * 1024;

    /// <summary>Documents with more pages than this take the Fargate path, whatever their size.</summary>
    /// <remarks>
    /// 1 MiB, 100 pages and a million characters come from tests/Benchmarks/Pipeline: the light path stays within a
    /// third of the analyze timeout up to about 5 MiB of text or several hundred pages with a modelled 2 s per model
    /// call, so these leave a margin of more than two for a slower model (README, Performance).
    /// </remarks>
    public int LightMaxPages { get; init; } = 100;

    /// <summary>
    /// Documents with more (estimated) characters of text than this take the Fargate path, whatever their size: Word
    /// files compress text well, so a small file can hold more than one Lambda run should analyse.
    /// </summary>
    public long LightMaxCharacters { get; init; } = 1_000_000;

    /// <summary>Key prefix under which uploads start the pipeline; it ends with '/'.</summary>
    public string IncomingPrefix { get; init; } = "incoming/";

    /// <summary>Categories the analysis chooses from.</summary>
    public IReadOnlyList<string> DocumentCategories { get; init; } = ["invoice", "contract", "report", "correspondence", "other"];

    /// <summary>A foundation model id, a cross-Region inference profile id or either's ARN (see pattern 1's <see cref="BedrockModel"/>).</summary>
    public string ModelId { get; init; } = "amazon.nova-lite-v1:0";

    /// <summary>Regions an inference profile routes to; null takes the documented defaults for the profile's prefix.</summary>
    public IReadOnlyList<string>? InferenceProfileRegions { get; init; }

    public FunctionArchitecture Architecture { get; init; } = FunctionArchitecture.X64;

    /// <summary>Memory of the preprocess, store and record-failure functions.</summary>
    public int StepMemorySizeMb { get; init; } = 512;

    /// <summary>Memory of the analyze function, which holds a whole light document and its chunks.</summary>
    public int AnalyzeMemorySizeMb { get; init; } = 1024;

    public int PreprocessTimeoutSeconds { get; init; } = 60;

    public int AnalyzeTimeoutSeconds { get; init; } = 300;

    public int StoreTimeoutSeconds { get; init; } = 30;

    public int RecordFailureTimeoutSeconds { get; init; } = 30;

    /// <summary>Fargate task size: CPU units and MiB from one of Fargate's documented combinations.</summary>
    public int WorkerCpu { get; init; } = 2048;

    public int WorkerMemoryMiB { get; init; } = 4096;

    /// <summary>Bedrock calls the batch worker makes at once.</summary>
    public int WorkerMaxParallelCalls { get; init; } = 4;

    /// <summary>How long the state machine waits for the Fargate task before it is recorded as failed.</summary>
    public int WorkerTimeoutMinutes { get; init; } = 60;

    /// <summary>The whole execution's limit; longer than the slowest path including retries.</summary>
    public int ExecutionTimeoutMinutes { get; init; } = 120;

    /// <summary>The batch worker's image; null builds containers/BatchWorker/Dockerfile from the repository.</summary>
    public ContainerImage? WorkerImage { get; init; }

    /// <summary>The functions' code; null builds functions/DocumentPipeline with Native AOT.</summary>
    public Code? FunctionCode { get; init; }

    /// <summary>NAT gateways of the VPC (two zones) the Fargate tasks run in; 1 is cheapest, 2 survives a zone failure.</summary>
    public int NatGateways { get; init; } = 1;

    /// <summary>Days an overwritten or deleted upload stays recoverable.</summary>
    public int NoncurrentVersionExpirationDays { get; init; } = 30;

    public RetentionDays LogRetention { get; init; } = RetentionDays.ONE_MONTH;

    /// <summary>Removal policy of the log groups. Destroy, so that <c>cdk destroy</c> of a trial leaves nothing behind.</summary>
    public RemovalPolicy LogRemovalPolicy { get; init; } = RemovalPolicy.DESTROY;

    /// <summary>
    /// Removal policy of the buckets and the table. Retain, the CDK default for stateful resources: uploaded
    /// documents, results and their records outlive the stack unless the caller chooses otherwise.
    /// </summary>
    public RemovalPolicy DataRemovalPolicy { get; init; } = RemovalPolicy.RETAIN;

    /// <summary>E-mail address subscribed to the alarm topic; null subscribes nobody.</summary>
    public string? AlarmEmail { get; init; }

    /// <summary>Checks every setting and throws an <see cref="ArgumentException"/> whose ParamName is the property at fault.</summary>
    public void Validate()
    {
        try
        {
            _ = BedrockModel.Parse(ModelId, InferenceProfileRegions);
        }
        catch (ArgumentException error)
        {
            throw new ArgumentException(error.Message, nameof(ModelId), error);
        }

        if (LightMaxBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(LightMaxBytes), LightMaxBytes, $"{nameof(LightMaxBytes)} must be at least 1; got {LightMaxBytes}.");
        }

        RequireRange(LightMaxPages, 0, int.MaxValue, nameof(LightMaxPages));
        if (LightMaxCharacters < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(LightMaxCharacters), LightMaxCharacters, $"{nameof(LightMaxCharacters)} must be at least 1; got {LightMaxCharacters}.");
        }
        if (string.IsNullOrWhiteSpace(IncomingPrefix) || !IncomingPrefix.EndsWith('/') || IncomingPrefix.StartsWith('/') || IncomingPrefix.Contains('*', StringComparison.Ordinal))
        {
            throw new ArgumentException($"{nameof(IncomingPrefix)} must be a key prefix such as 'incoming/' (no leading '/', ending in '/', no '*'); got '{IncomingPrefix}'.", nameof(IncomingPrefix));
        }

        if (DocumentCategories is null || DocumentCategories.Count == 0
            || DocumentCategories.Any(category => string.IsNullOrWhiteSpace(category) || category.Contains(',', StringComparison.Ordinal))
            || DocumentCategories.Distinct(StringComparer.OrdinalIgnoreCase).Count() != DocumentCategories.Count)
        {
            throw new ArgumentException($"{nameof(DocumentCategories)} must hold at least one distinct, non-blank category without commas.", nameof(DocumentCategories));
        }

        RequireRange(StepMemorySizeMb, MinMemorySizeMb, MaxMemorySizeMb, nameof(StepMemorySizeMb));
        RequireRange(AnalyzeMemorySizeMb, MinMemorySizeMb, MaxMemorySizeMb, nameof(AnalyzeMemorySizeMb));
        RequireRange(PreprocessTimeoutSeconds, 1, MaxFunctionTimeoutSeconds, nameof(PreprocessTimeoutSeconds));
        RequireRange(AnalyzeTimeoutSeconds, 1, MaxFunctionTimeoutSeconds, nameof(AnalyzeTimeoutSeconds));
        RequireRange(StoreTimeoutSeconds, 1, MaxFunctionTimeoutSeconds, nameof(StoreTimeoutSeconds));
        RequireRange(RecordFailureTimeoutSeconds, 1, MaxFunctionTimeoutSeconds, nameof(RecordFailureTimeoutSeconds));
        if (!FargateSizes.TryGetValue(WorkerCpu, out var memoryRange))
        {
            throw new ArgumentOutOfRangeException(nameof(WorkerCpu), WorkerCpu, $"{nameof(WorkerCpu)} must be one of Fargate's CPU values ({string.Join(", ", FargateSizes.Keys)}); got {WorkerCpu}.");
        }

        // 256 CPU units take 512, 1024 or 2048 MiB only; every other size is a range in fixed steps.
        var allowedMemory = WorkerCpu == 256
            ? WorkerMemoryMiB is 512 or 1024 or 2048
            : WorkerMemoryMiB >= memoryRange.Min && WorkerMemoryMiB <= memoryRange.Max && WorkerMemoryMiB % memoryRange.Step == 0;
        if (!allowedMemory)
        {
            throw new ArgumentOutOfRangeException(nameof(WorkerMemoryMiB), WorkerMemoryMiB,
                $"{nameof(WorkerMemoryMiB)} must be from {memoryRange.Min} to {memoryRange.Max} in steps of {memoryRange.Step} MiB for {WorkerCpu} CPU units; got {WorkerMemoryMiB}.");
        }

        RequireRange(WorkerMaxParallelCalls, 1, 64, nameof(WorkerMaxParallelCalls));
        RequireRange(WorkerTimeoutMinutes, 1, MaxExecutionTimeoutMinutes, nameof(WorkerTimeoutMinutes));
        RequireRange(ExecutionTimeoutMinutes, 1, MaxExecutionTimeoutMinutes, nameof(ExecutionTimeoutMinutes));
        if (ExecutionTimeoutMinutes <= WorkerTimeoutMinutes)
        {
            throw new ArgumentOutOfRangeException(nameof(ExecutionTimeoutMinutes), ExecutionTimeoutMinutes,
                $"{nameof(ExecutionTimeoutMinutes)} ({ExecutionTimeoutMinutes}) must exceed {nameof(WorkerTimeoutMinutes)} ({WorkerTimeoutMinutes}), or a slow heavy document times out the execution before its failure can be recorded.");
        }

        RequireRange(NatGateways, 1, ServiceNetwork.AvailabilityZones, nameof(NatGateways));
        RequireRange(NoncurrentVersionExpirationDays, 1, int.MaxValue, nameof(NoncurrentVersionExpirationDays));
        if (AlarmEmail is not null && (AlarmEmail.Length < 3 || !AlarmEmail.Contains('@', StringComparison.Ordinal) || AlarmEmail.Any(char.IsWhiteSpace)))
        {
            throw new ArgumentException($"{nameof(AlarmEmail)} must be an e-mail address; got '{AlarmEmail}'.", nameof(AlarmEmail));
        }
    }

    /// <summary>
    /// Fargate's CPU and memory combinations for Linux tasks
    /// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size).
    /// </summary>
    private static readonly IReadOnlyDictionary<int, (int Min, int Max, int Step)> FargateSizes = new Dictionary<int, (int, int, int)>
    {
        [256] = (512, 2048, 512),
        [512] = (1024, 4096, 1024),
        [1024] = (2048, 8192, 1024),
        [2048] = (4096, 16384, 1024),
        [4096] = (8192, 30720, 1024),
        [8192] = (16384, 61440, 4096),
        [16384] = (32768, 122880, 8192),
    };

    private static void RequireRange(int value, int minimum, int maximum, string name)
    {
        if (value < minimum || value > maximum)
        {
            var range = maximum == int.MaxValue ? $"at least {minimum}" : $"from {minimum} to {maximum}";
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be {range}; got {value}.");
        }
    }
}
