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

    /// <summary>
    /// The ARN IAM authorizes a Bedrock runtime call against for a foundation model id; a foundation model's ARN has no
    /// account (https://docs.aws.amazon.com/bedrock/latest/userguide/security_iam_service-with-iam.html). An inference
    /// profile id (<c>us.</c>, <c>eu.</c>, <c>apac.</c>, <c>global.</c>, …) is authorized against the profile and the
    /// model in every destination Region, which this does not model, so it throws.
    /// </summary>
    /// <exception cref="NotSupportedException">The id is an inference profile's.</exception>
    public static string FoundationModelArn(DeployTarget target, string modelId)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(modelId);
        return modelId.Split('.')[0] is "us" or "eu" or "apac" or "global" or "us-gov" or "jp" or "au" or "ca"
            ? throw new NotSupportedException($"{modelId} is an inference profile; map it to its profile and destination model ARNs first.")
            : $"arn:{target.Partition}:bedrock:{target.Region}::foundation-model/{modelId}";
    }
}
