namespace ReferenceArchitectures.LambdaRuntime;

/// <summary>
/// The custom-runtime entry point: initialise, then get, run and answer invocations until stopped
/// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html).
/// </summary>
public static class LambdaHost
{
    /// <summary>Where X-Ray SDKs look for the current trace header.</summary>
    public const string TraceIdEnvironmentVariable = "_X_AMZN_TRACE_ID";

    /// <summary>
    /// Runs <paramref name="configure"/> (the init phase), then serves invocations with the handler that
    /// _HANDLER (or <see cref="LambdaHostOptions.Handler"/>) names.
    /// </summary>
    /// <returns>The process exit code: 0 when stopped by cancellation or <see cref="LambdaHostOptions.MaxInvocations"/>, 1 when init failed or the Runtime API failed.</returns>
    public static async Task<int> RunAsync(Action<LambdaHandlerRegistry> configure, LambdaHostOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configure);
        options ??= new LambdaHostOptions();
        Validate(options);

        var levelSetting = options.GetEnvironmentVariable("AWS_LAMBDA_LOG_LEVEL");
        var levelKnown = JsonLambdaLogger.TryParseLevel(levelSetting, out var minimumLevel);
        var logger = new JsonLambdaLogger(options.LogOutput, options.TimeProvider, minimumLevel);
        if (!levelKnown && !string.IsNullOrWhiteSpace(levelSetting))
        {
            logger.LogWarning($"AWS_LAMBDA_LOG_LEVEL '{levelSetting}' is not one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL; logging at INFO.");
        }

        var runtimeApi = options.RuntimeApi ?? options.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API");
        if (string.IsNullOrWhiteSpace(runtimeApi))
        {
            logger.LogCritical("AWS_LAMBDA_RUNTIME_API is not set, so there is no Runtime API to serve; this executable runs inside Lambda's provided.al2023 runtime.");
            return 1;
        }

        RuntimeApiClient client;
        try
        {
            client = new RuntimeApiClient(runtimeApi);
        }
        catch (ArgumentException ex)
        {
            logger.LogCritical(ex.Message);
            return 1;
        }

        using (client)
        {
            return await new InvocationLoop(client, logger, options).RunAsync(configure, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void Validate(LambdaHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options.TimeProvider, "options.TimeProvider");
        ArgumentNullException.ThrowIfNull(options.LogOutput, "options.LogOutput");
        ArgumentNullException.ThrowIfNull(options.GetEnvironmentVariable, "options.GetEnvironmentVariable");
        if (options.DeadlineSafetyMargin < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException("options.DeadlineSafetyMargin", options.DeadlineSafetyMargin, "The deadline safety margin cannot be negative.");
        }

        if (options.MaxInvocations is < 1)
        {
            throw new ArgumentOutOfRangeException("options.MaxInvocations", options.MaxInvocations, "MaxInvocations must be at least 1, or null to run until cancelled.");
        }
    }
}
