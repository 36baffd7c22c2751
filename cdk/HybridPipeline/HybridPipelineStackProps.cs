using Amazon.CDK;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.HybridPipeline;

/// <summary>Settings of pattern 4. Every default deploys a working, locked-down pipeline.</summary>
public sealed class HybridPipelineStackProps : StackProps
{
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

    /// <summary>The functions' CPU architecture. The Fargate worker runs on x86_64 whatever this says.</summary>
    public ProcessorArchitecture Architecture { get; init; } = ProcessorArchitecture.X64;

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

    /// <summary>
    /// How many executions may run at once; more uploads wait in the upload queue (see <c>ExecutionGate</c>). Each running
    /// execution holds at most one Lambda invocation or one Fargate task, and one document's Bedrock calls, at a time, so
    /// this bounds the pipeline's share of the account's Lambda concurrency, Fargate vCPUs (10 tasks of the default 2
    /// vCPUs are 20 vCPUs) and Bedrock requests per minute. 10 fits a new account's quotas; raise it after checking the
    /// account's Service Quotas for Fargate On-Demand vCPUs and the model's requests per minute.
    /// </summary>
    public int MaxRunningExecutions { get; init; } = 10;

    /// <summary>
    /// The whole execution's limit. Null takes the smallest that covers the worst case of every retry of every state on the
    /// slowest way through the definition (<see cref="PipelineTimeBudget"/>); a value must cover it too.
    /// </summary>
    public int? ExecutionTimeoutMinutes { get; init; }

    /// <summary>The execution timeout the stack sets: <see cref="ExecutionTimeoutMinutes"/>, or the worst case when it is null.</summary>
    public int EffectiveExecutionTimeoutMinutes => ExecutionTimeoutMinutes ?? PipelineTimeBudget.MinimumExecutionTimeoutMinutes(this);

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
        PropsRules.RequireRegionNames(InferenceProfileRegions, nameof(InferenceProfileRegions));
        PropsRules.RequireAccepted(() => BedrockModel.Parse(ModelId, InferenceProfileRegions), nameof(ModelId));
        PropsRules.RequireRange(LightMaxBytes, 1, long.MaxValue, nameof(LightMaxBytes));
        PropsRules.RequireRange(LightMaxPages, 0, int.MaxValue, nameof(LightMaxPages));
        PropsRules.RequireRange(LightMaxCharacters, 1, long.MaxValue, nameof(LightMaxCharacters));
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

        PropsRules.RequireFunctionMemory(StepMemorySizeMb, nameof(StepMemorySizeMb));
        PropsRules.RequireFunctionMemory(AnalyzeMemorySizeMb, nameof(AnalyzeMemorySizeMb));
        PropsRules.RequireFunctionTimeout(PreprocessTimeoutSeconds, nameof(PreprocessTimeoutSeconds));
        PropsRules.RequireFunctionTimeout(AnalyzeTimeoutSeconds, nameof(AnalyzeTimeoutSeconds));
        PropsRules.RequireFunctionTimeout(StoreTimeoutSeconds, nameof(StoreTimeoutSeconds));
        PropsRules.RequireFunctionTimeout(RecordFailureTimeoutSeconds, nameof(RecordFailureTimeoutSeconds));
        FargateTaskSizes.Require(WorkerCpu, WorkerMemoryMiB, nameof(WorkerCpu), nameof(WorkerMemoryMiB));
        PropsRules.RequireRange(WorkerMaxParallelCalls, 1, 64, nameof(WorkerMaxParallelCalls));
        PropsRules.RequireRange(MaxRunningExecutions, 1, 1000, nameof(MaxRunningExecutions));
        PropsRules.RequireRange(WorkerTimeoutMinutes, 1, MaxExecutionTimeoutMinutes, nameof(WorkerTimeoutMinutes));
        PropsRules.RequireRange(EffectiveExecutionTimeoutMinutes, 1, MaxExecutionTimeoutMinutes, nameof(ExecutionTimeoutMinutes));
        // A timeout is seen by no Catch: an execution stopped while a state still retries never records its failure.
        if (PipelineTimeBudget.FirstStateBeyond(this, EffectiveExecutionTimeoutMinutes) is { } breaking)
        {
            var path = string.Join("; ", PipelineTimeBudget.SlowestPath(this));
            throw new ArgumentOutOfRangeException(nameof(ExecutionTimeoutMinutes), ExecutionTimeoutMinutes,
                $"{nameof(ExecutionTimeoutMinutes)} ({EffectiveExecutionTimeoutMinutes} min) does not cover the worst case of every retry of every state: "
                + $"{breaking.State} would still be running when the execution times out. The slowest way through takes "
                + $"{PipelineTimeBudget.MinimumExecutionTimeoutMinutes(this)} min ({path}). Raise {nameof(ExecutionTimeoutMinutes)}, leave it unset, or lower the state's timeout.");
        }

        PropsRules.RequireRange(NatGateways, 1, ServiceNetwork.AvailabilityZones, nameof(NatGateways));

        // S3 takes any positive whole number of days for a noncurrent version
        // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_NoncurrentVersionExpiration.html).
        PropsRules.RequireRange(NoncurrentVersionExpirationDays, 1, int.MaxValue, nameof(NoncurrentVersionExpirationDays));
        PropsRules.RequireEmail(AlarmEmail, nameof(AlarmEmail));
    }
}
