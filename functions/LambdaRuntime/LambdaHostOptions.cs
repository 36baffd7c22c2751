namespace ReferenceArchitectures.LambdaRuntime;

/// <summary>Settings of <see cref="LambdaHost"/>; every one defaults to what Lambda provides.</summary>
public sealed class LambdaHostOptions
{
    /// <summary>host:port of the Runtime API; defaults to the AWS_LAMBDA_RUNTIME_API environment variable.</summary>
    public string? RuntimeApi { get; set; }

    /// <summary>Name of the handler to run; defaults to the _HANDLER environment variable.</summary>
    public string? Handler { get; set; }

    /// <summary>How long before the deadline <see cref="LambdaContext.CancellationToken"/> is cancelled.</summary>
    public TimeSpan DeadlineSafetyMargin { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where JSON log lines go; Lambda sends stdout to CloudWatch Logs.</summary>
    public TextWriter LogOutput { get; set; } = Console.Out;

    /// <summary>Stop after this many invocations (tests and benchmarks); null runs until cancelled.</summary>
    public int? MaxInvocations { get; set; }

    /// <summary>
    /// Reads the function's environment (AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_LOG_LEVEL, ...). Replaceable so
    /// that tests need not change the process environment.
    /// </summary>
    public Func<string, string?> GetEnvironmentVariable { get; set; } = Environment.GetEnvironmentVariable;
}
