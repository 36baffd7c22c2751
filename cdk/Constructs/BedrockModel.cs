using Amazon.CDK;

namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>
/// What the configured model id means for IAM: a foundation model in the stack's Region, or a
/// cross-Region inference profile together with the foundation model in every Region it routes to.
/// </summary>
public sealed record BedrockModel
{
    // Patterns 1 and 4 both call the setting ModelId; errors name it so.
    private const string ModelIdSetting = "ModelId";

    private const string FoundationModelResource = "foundation-model/";
    private const string InferenceProfileResource = "inference-profile/";

    /// <summary>
    /// The geography prefixes of the system-defined cross-Region inference profiles
    /// (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html). Their destination Regions
    /// are not listed here: AWS adds Regions to a profile over time (APAC routes to up to 13 for some models), and a role
    /// that names fewer is refused at random, whenever Bedrock routes to one it lacks. So the role may invoke the one
    /// foundation model in any Region (<c>arn:aws:bedrock:*::foundation-model/id</c>, the form AWS's
    /// "Prerequisites for inference profiles" page uses; <c>*</c> also matches the Region-less ARN of global profiles),
    /// unless the stack props' <c>InferenceProfileRegions</c> pins a list.
    /// </summary>
    public static IReadOnlySet<string> InferenceProfilePrefixes { get; } =
        new HashSet<string>(["us", "us-gov", "eu", "apac", "jp", "au", "global"], StringComparer.Ordinal);

    private BedrockModel(string modelId, string foundationModelId, string? inferenceProfileId, string? explicitArn, string? inferenceProfilePrefix, IReadOnlyList<string> destinationRegions)
    {
        ModelId = modelId;
        FoundationModelId = foundationModelId;
        InferenceProfileId = inferenceProfileId;
        ExplicitArn = explicitArn;
        InferenceProfilePrefix = inferenceProfilePrefix;
        DestinationRegions = destinationRegions;
    }

    /// <summary>The value the function sends as Bedrock's <c>modelId</c>.</summary>
    public string ModelId { get; }

    /// <summary>The foundation model behind the id, without any inference-profile prefix.</summary>
    public string FoundationModelId { get; }

    /// <summary>The inference profile id (e.g. <c>us.amazon.nova-lite-v1:0</c>), or null for a foundation model.</summary>
    public string? InferenceProfileId { get; }

    public bool IsInferenceProfile => InferenceProfileId is not null;

    /// <summary>The ARN the user gave instead of an id, if any.</summary>
    public string? ExplicitArn { get; }

    /// <summary>The geography prefix of an inference profile (<c>us</c>, <c>eu</c>, <c>global</c>, ...).</summary>
    public string? InferenceProfilePrefix { get; }

    /// <summary>Regions the role may invoke the model in through the profile, when pinned; empty means any Region.</summary>
    public IReadOnlyList<string> DestinationRegions { get; }

    /// <summary>
    /// Interprets a model id or ARN. <paramref name="inferenceProfileRegions"/> overrides the
    /// documented destination Regions of an inference profile.
    /// </summary>
    /// <exception cref="ArgumentException">The id is blank, malformed, or names an unknown profile geography without Regions.</exception>
    public static BedrockModel Parse(string modelId, IReadOnlyList<string>? inferenceProfileRegions = null)
    {
        const string setting = ModelIdSetting;
        if (string.IsNullOrWhiteSpace(modelId) || modelId.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"{setting} must be a Bedrock model id, inference profile id or ARN without spaces; got '{modelId}'.");
        }

        string? explicitArn = null;
        var id = modelId;
        if (modelId.StartsWith("arn:", StringComparison.Ordinal))
        {
            explicitArn = modelId;
            id = ResourceIdFromArn(modelId);
            if (modelId.Contains(':' + FoundationModelResource, StringComparison.Ordinal))
            {
                return new BedrockModel(modelId, id, null, explicitArn, null, []);
            }
        }

        var firstDot = id.IndexOf('.', StringComparison.Ordinal);
        var prefix = firstDot > 0 ? id[..firstDot] : string.Empty;
        if (!InferenceProfilePrefixes.Contains(prefix) && !IsProfileIdWithOverride(prefix, explicitArn, inferenceProfileRegions))
        {
            if (explicitArn is not null)
            {
                throw new ArgumentException($"{setting} ARN '{modelId}' names an inference profile with an unknown geography prefix '{prefix}'; set InferenceProfileRegions.");
            }

            // No known geography prefix: a plain foundation model id such as amazon.nova-lite-v1:0.
            return new BedrockModel(modelId, id, null, null, null, []);
        }

        var regions = inferenceProfileRegions is { Count: > 0 } ? inferenceProfileRegions : [];
        return new BedrockModel(modelId, id[(firstDot + 1)..], id, explicitArn, prefix, regions);
    }

    /// <summary>ARNs the function must be allowed to invoke, built from the stack's partition, Region and account.</summary>
    public IReadOnlyList<string> InvocationResourceArns(Stack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        if (!IsInferenceProfile)
        {
            return [ExplicitArn ?? FoundationModelArn(stack.Partition, stack.Region)];
        }

        var arns = new List<string>
        {
            ExplicitArn ?? $"arn:{stack.Partition}:bedrock:{stack.Region}:{stack.Account}:{InferenceProfileResource}{InferenceProfileId}",
        };
        if (DestinationRegions.Count == 0)
        {
            arns.Add(FoundationModelArn(stack.Partition, "*"));
        }
        else
        {
            if (InferenceProfilePrefix == "global")
            {
                arns.Add(FoundationModelArn(stack.Partition, string.Empty));
            }

            arns.AddRange(DestinationRegions.Select(region => FoundationModelArn(stack.Partition, region)));
        }
        return arns.Distinct(StringComparer.Ordinal).ToList();
    }

    private string FoundationModelArn(string partition, string region) =>
        $"arn:{partition}:bedrock:{region}::{FoundationModelResource}{FoundationModelId}";

    private static bool IsProfileIdWithOverride(string prefix, string? explicitArn, IReadOnlyList<string>? regions) =>
        explicitArn is not null && explicitArn.Contains(':' + InferenceProfileResource, StringComparison.Ordinal)
        && prefix.Length > 0 && regions is { Count: > 0 };

    private static string ResourceIdFromArn(string arn)
    {
        // arn:partition:bedrock:region:account:resource-type/resource-id (the id itself may contain ':').
        var parts = arn.Split(':', 6);
        var slash = parts.Length == 6 ? parts[5].IndexOf('/', StringComparison.Ordinal) : -1;
        if (parts.Length != 6 || parts[2] != "bedrock" || slash <= 0 || slash == parts[5].Length - 1)
        {
            throw new ArgumentException($"{ModelIdSetting} '{arn}' is not a Bedrock ARN of the form arn:<partition>:bedrock:<region>:<account>:<type>/<id>.");
        }

        var resourceType = parts[5][..(slash + 1)];
        if (resourceType is not (FoundationModelResource or InferenceProfileResource))
        {
            throw new ArgumentException($"{ModelIdSetting} '{arn}' names a '{resourceType.TrimEnd('/')}'; only foundation-model and inference-profile ARNs are supported.");
        }

        return parts[5][(slash + 1)..];
    }
}
