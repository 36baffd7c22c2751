namespace ReferenceArchitectures.Testing.Iam;

/// <summary>
/// Actions a role is granted for AWS's own use, which no code of ours calls, so no local run can use them: why each
/// is needed, with the page that says so. <see cref="CallAudit.Grants"/> accepts them as the reason for a grant no
/// recorded call used.
/// </summary>
public static class AwsOnlyGrants
{
    /// <summary>What the Lambda service does with a function's execution role: write its logs and, with active tracing, its traces.</summary>
    public static IReadOnlyDictionary<string, string> LambdaService { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["logs:CreateLogStream"] = "Lambda writes the function's logs with its role (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html)",
        ["logs:PutLogEvents"] = "Lambda writes the function's logs with its role (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html)",
        ["xray:PutTraceSegments"] = "active tracing: the service sends trace segments with the role (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html, https://docs.aws.amazon.com/step-functions/latest/dg/concepts-xray-tracing.html)",
        ["xray:PutTelemetryRecords"] = "active tracing: the service sends telemetry with the role (same pages)",
    };
}
