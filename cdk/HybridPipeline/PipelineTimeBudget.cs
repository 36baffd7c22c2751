using Amazon.CDK;
using Amazon.CDK.AWS.StepFunctions;

namespace ReferenceArchitectures.Cdk.HybridPipeline;

/// <summary>
/// One Retry field of a state: the errors it matches, and how often and how long it waits. The stack builds its retriers
/// from these, and <see cref="PipelineTimeBudget"/> adds up their worst case, so the two cannot disagree.
/// </summary>
/// <remarks>
/// Step Functions waits <c>IntervalSeconds × BackoffRate^(n-1)</c> before the n-th retry, at most <c>MaxDelaySeconds</c>;
/// full jitter only shortens a wait, and each retrier counts its own attempts
/// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#error-handling-retrying-after-an-error).
/// </remarks>
public sealed record RetryPolicy(IReadOnlyList<string> Errors, int IntervalSeconds, double BackoffRate, int MaxAttempts, int MaxDelaySeconds)
{
    /// <summary>The longest this retrier can make a state wait in all, over all its attempts.</summary>
    public double WorstWaitSeconds =>
        Enumerable.Range(0, MaxAttempts).Sum(n => Math.Min(IntervalSeconds * Math.Pow(BackoffRate, n), MaxDelaySeconds));

    public RetryProps ToRetryProps() => new()
    {
        Errors = [.. Errors],
        Interval = Duration.Seconds(IntervalSeconds),
        BackoffRate = BackoffRate,
        MaxAttempts = MaxAttempts,
        MaxDelay = Duration.Seconds(MaxDelaySeconds),
        JitterStrategy = JitterType.FULL,
    };
}

/// <summary>One state's worst case: every attempt every retrier allows, each running to the state's timeout.</summary>
public sealed record StateBudget(string State, int TimeoutSeconds, IReadOnlyList<RetryPolicy> Retries)
{
    public int Attempts => 1 + Retries.Sum(retry => retry.MaxAttempts);

    public double WorstCaseSeconds => Attempts * TimeoutSeconds + Retries.Sum(retry => retry.WorstWaitSeconds);

    public override string ToString() =>
        $"{State}: {Attempts} attempt(s) of up to {TimeoutSeconds} s plus {Retries.Sum(retry => retry.WorstWaitSeconds):0} s of retry waits = {WorstCaseSeconds:0} s";
}

/// <summary>
/// The longest an execution can take: the slowest way through the definition, each state at its worst case. That is
/// Preprocess, the slower of the two analysis paths, Store failing at its last attempt, RecordFailure failing at its last
/// attempt, then SendToDeadLetterQueue. The execution's timeout must cover it, or Step Functions stops an execution that is
/// still retrying before its failure can be recorded (a timeout is seen by no Catch).
/// </summary>
public static class PipelineTimeBudget
{
    /// <summary>Lambda's own errors, retried as AWS recommends for <c>lambda:invoke</c>, plus throttling.</summary>
    public static RetryPolicy LambdaServiceRetry { get; } = new(HybridPipelineStack.LambdaServiceErrors, 2, 2, 6, 60);

    /// <summary>Bedrock still throttling after the client's own retries: wait longer than the client did.</summary>
    public static RetryPolicy BedrockThrottledRetry { get; } = new([HybridPipelineStack.BedrockThrottledError], 20, 2, 3, 120);

    /// <summary>RunTask's service errors and capacity failures (<c>AmazonECS.Unknown</c>).</summary>
    public static RetryPolicy EcsServiceRetry { get; } = new(HybridPipelineStack.EcsServiceErrors, 10, 2, 5, 300);

    /// <summary>One more run of a worker that stopped with an error, to tell a passing fault from a document that always fails.</summary>
    public static RetryPolicy WorkerTaskFailedRetry { get; } = new([Errors.TASKS_FAILED], 30, 2, 1, 60);

    /// <summary>Recording a failure is idempotent, so any error of its own is worth a few more attempts.</summary>
    public static RetryPolicy RecordFailureRetry { get; } = new([Errors.ALL], 5, 2, 2, 60);

    /// <summary>The last resort's SendMessage.</summary>
    public static RetryPolicy SendToDeadLetterQueueRetry { get; } = new([Errors.ALL], 2, 2, 5, 60);

    /// <summary>How long SendToDeadLetterQueue may take per attempt.</summary>
    public const int SendToDeadLetterQueueTimeoutSeconds = 60;

    /// <summary>Every Lambda task waits this much longer than its function's timeout, so the function's own timeout reports first.</summary>
    public const int LambdaTaskMarginSeconds = 10;

    /// <summary>The states of the slowest way through the definition, in order, each at its worst case.</summary>
    public static IReadOnlyList<StateBudget> SlowestPath(HybridPipelineStackProps props)
    {
        ArgumentNullException.ThrowIfNull(props);
        var analyze = new StateBudget((HybridPipelineStack.StateNames.Analyze), props.AnalyzeTimeoutSeconds + LambdaTaskMarginSeconds, [LambdaServiceRetry, BedrockThrottledRetry]);
        var analyzeLarge = new StateBudget((HybridPipelineStack.StateNames.AnalyzeLargeDocument), props.WorkerTimeoutMinutes * 60, [EcsServiceRetry, WorkerTaskFailedRetry]);
        return
        [
            new StateBudget((HybridPipelineStack.StateNames.Preprocess), props.PreprocessTimeoutSeconds + LambdaTaskMarginSeconds, [LambdaServiceRetry]),
            analyzeLarge.WorstCaseSeconds >= analyze.WorstCaseSeconds ? analyzeLarge : analyze,
            new StateBudget((HybridPipelineStack.StateNames.Store), props.StoreTimeoutSeconds + LambdaTaskMarginSeconds, [LambdaServiceRetry]),
            new StateBudget((HybridPipelineStack.StateNames.RecordFailure), props.RecordFailureTimeoutSeconds + LambdaTaskMarginSeconds, [LambdaServiceRetry, RecordFailureRetry]),
            new StateBudget((HybridPipelineStack.StateNames.SendToDeadLetterQueue), SendToDeadLetterQueueTimeoutSeconds, [SendToDeadLetterQueueRetry]),
        ];
    }

    /// <summary>The longest an execution can take, in seconds.</summary>
    public static double WorstCaseSeconds(HybridPipelineStackProps props) => SlowestPath(props).Sum(state => state.WorstCaseSeconds);

    /// <summary>The smallest whole number of minutes that covers <see cref="WorstCaseSeconds"/>.</summary>
    public static int MinimumExecutionTimeoutMinutes(HybridPipelineStackProps props) => (int)Math.Ceiling(WorstCaseSeconds(props) / 60);

    /// <summary>
    /// The first state of the slowest path at whose worst case the execution would already have timed out, or null when
    /// <paramref name="executionTimeoutMinutes"/> covers the whole path.
    /// </summary>
    public static StateBudget? FirstStateBeyond(HybridPipelineStackProps props, int executionTimeoutMinutes)
    {
        var elapsed = 0d;
        foreach (var state in SlowestPath(props))
        {
            elapsed += state.WorstCaseSeconds;
            if (elapsed > executionTimeoutMinutes * 60d)
            {
                return state;
            }
        }

        return null;
    }
}
