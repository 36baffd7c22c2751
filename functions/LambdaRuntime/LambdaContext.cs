namespace ReferenceArchitectures.LambdaRuntime;

/// <summary>
/// What a handler knows about its invocation. Member names follow Amazon.Lambda.Core's ILambdaContext so
/// that moving to the official runtime packages changes types, not call sites.
/// </summary>
public sealed class LambdaContext
{
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a context; the host does this per invocation, tests of handlers may do it directly.</summary>
    public LambdaContext(
        string awsRequestId,
        string invokedFunctionArn,
        DateTimeOffset deadline,
        ILambdaLogger logger,
        LambdaFunctionInfo function,
        TimeProvider? timeProvider = null,
        string? traceId = null,
        string? clientContext = null,
        string? cognitoIdentity = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(awsRequestId);
        ArgumentNullException.ThrowIfNull(invokedFunctionArn);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(function);
        AwsRequestId = awsRequestId;
        InvokedFunctionArn = invokedFunctionArn;
        Deadline = deadline;
        Logger = logger;
        Function = function;
        _timeProvider = timeProvider ?? TimeProvider.System;
        TraceId = traceId;
        ClientContext = clientContext;
        CognitoIdentity = cognitoIdentity;
        CancellationToken = cancellationToken;
    }

    public string AwsRequestId { get; }

    public string InvokedFunctionArn { get; }

    /// <summary>When Lambda stops the invocation (Lambda-Runtime-Deadline-Ms).</summary>
    public DateTimeOffset Deadline { get; }

    /// <summary>Time left until <see cref="Deadline"/>; zero once it has passed.</summary>
    public TimeSpan RemainingTime
    {
        get
        {
            var remaining = Deadline - _timeProvider.GetUtcNow();
            return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
        }
    }

    /// <summary>The X-Ray trace header (Lambda-Runtime-Trace-Id), also published as _X_AMZN_TRACE_ID.</summary>
    public string? TraceId { get; }

    /// <summary>The raw Lambda-Runtime-Client-Context header (JSON from AWS Mobile SDK callers).</summary>
    public string? ClientContext { get; }

    /// <summary>The raw Lambda-Runtime-Cognito-Identity header (JSON from AWS Mobile SDK callers).</summary>
    public string? CognitoIdentity { get; }

    public LambdaFunctionInfo Function { get; }

    public string FunctionName => Function.FunctionName;

    public string FunctionVersion => Function.FunctionVersion;

    public int MemoryLimitInMB => Function.MemoryLimitInMB;

    public string LogGroupName => Function.LogGroupName;

    public string LogStreamName => Function.LogStreamName;

    public ILambdaLogger Logger { get; }

    /// <summary>
    /// Cancelled a safety margin before <see cref="Deadline"/> (see <see cref="LambdaHostOptions.DeadlineSafetyMargin"/>),
    /// so a handler that stops waiting on it still has time to send what it has.
    /// </summary>
    public CancellationToken CancellationToken { get; }
}
