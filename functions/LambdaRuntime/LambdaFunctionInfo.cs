using System.Globalization;

namespace ReferenceArchitectures.LambdaRuntime;

/// <summary>
/// The function's identity as Lambda describes it in the reserved environment variables
/// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
/// </summary>
public sealed record LambdaFunctionInfo(string FunctionName, string FunctionVersion, int MemoryLimitInMB, string LogGroupName, string LogStreamName)
{
    public static LambdaFunctionInfo FromEnvironment(Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        var memory = int.TryParse(getEnvironmentVariable("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var mb) ? mb : 0;
        return new LambdaFunctionInfo(
            getEnvironmentVariable("AWS_LAMBDA_FUNCTION_NAME") ?? string.Empty,
            getEnvironmentVariable("AWS_LAMBDA_FUNCTION_VERSION") ?? string.Empty,
            memory,
            getEnvironmentVariable("AWS_LAMBDA_LOG_GROUP_NAME") ?? string.Empty,
            getEnvironmentVariable("AWS_LAMBDA_LOG_STREAM_NAME") ?? string.Empty);
    }
}
