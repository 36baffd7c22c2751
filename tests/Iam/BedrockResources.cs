namespace ReferenceArchitectures.Testing.Iam;

/// <summary>The resources IAM authorizes a Bedrock runtime call against, for a model id.</summary>
public static class BedrockResources
{
    private static readonly string[] ProfilePrefixes = ["us", "eu", "apac", "global", "us-gov", "jp", "au", "ca"];

    /// <summary>
    /// A foundation model id: the model's ARN, which has no account
    /// (https://docs.aws.amazon.com/bedrock/latest/userguide/security_iam_service-with-iam.html). A cross-Region
    /// inference profile id (<c>us.</c>, <c>eu.</c>, <c>apac.</c>, <c>global.</c>, …): the profile's ARN and the model in the
    /// Region Bedrock routes to (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html).
    /// Bedrock picks the destination; this gives the source Region's, and LambdaBedrockPropsTests evaluates the others.
    /// </summary>
    public static IReadOnlyList<string> ForModel(DeployTarget target, string modelId)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        var prefix = modelId.Split('.')[0];
        if (!ProfilePrefixes.Contains(prefix, StringComparer.Ordinal))
        {
            return [$"arn:{target.Partition}:bedrock:{target.Region}::foundation-model/{modelId}"];
        }

        var model = modelId[(prefix.Length + 1)..];
        return
        [
            $"arn:{target.Partition}:bedrock:{target.Region}:{target.Account}:inference-profile/{modelId}",
            $"arn:{target.Partition}:bedrock:{target.Region}::foundation-model/{model}",
        ];
    }
}
