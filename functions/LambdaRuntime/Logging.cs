namespace ReferenceArchitectures.LambdaRuntime;

/// <summary>Severity of a log entry; the names follow Microsoft.Extensions.Logging's LogLevel.</summary>
public enum LambdaLogLevel
{
    Trace,
    Debug,
    Information,
    Warning,
    Error,
    Critical,
}

/// <summary>The logger a handler receives through <see cref="LambdaContext.Logger"/>.</summary>
public interface ILambdaLogger
{
    void Log(LambdaLogLevel level, string message, Exception? exception = null);
}

public static class LambdaLoggerExtensions
{
    public static void LogTrace(this ILambdaLogger logger, string message) => Write(logger, LambdaLogLevel.Trace, message, null);

    public static void LogDebug(this ILambdaLogger logger, string message) => Write(logger, LambdaLogLevel.Debug, message, null);

    public static void LogInformation(this ILambdaLogger logger, string message) => Write(logger, LambdaLogLevel.Information, message, null);

    public static void LogWarning(this ILambdaLogger logger, string message, Exception? exception = null) => Write(logger, LambdaLogLevel.Warning, message, exception);

    public static void LogError(this ILambdaLogger logger, string message, Exception? exception = null) => Write(logger, LambdaLogLevel.Error, message, exception);

    public static void LogCritical(this ILambdaLogger logger, string message, Exception? exception = null) => Write(logger, LambdaLogLevel.Critical, message, exception);

    private static void Write(ILambdaLogger logger, LambdaLogLevel level, string message, Exception? exception)
    {
        ArgumentNullException.ThrowIfNull(logger);
        logger.Log(level, message, exception);
    }
}
