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
    /// Destination Regions of the system-defined cross-Region inference profiles, by id prefix.
    /// Source: "Supported Regions and models for inference profiles",
    /// https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html
    /// (the Amazon Nova and Anthropic Claude rows). A profile for another model may route to fewer
    /// Regions; override with the stack props' <c>InferenceProfileRegions</c> when it differs.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> DefaultInferenceProfileRegions { get; } =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["us"] = ["us-east-1", "us-east-2", "us-west-2"],
            ["us-gov"] = ["us-gov-east-1", "us-gov-west-1"],
            ["eu"] = ["eu-central-1", "eu-north-1", "eu-west-1", "eu-west-3"],
            ["apac"] = ["ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2"],
            ["jp"] = ["ap-northeast-1", "ap-northeast-3"],
            ["au"] = ["ap-southeast-2", "ap-southeast-4"],
            // Global profiles route to any commercial Region. AWS documents the Region-less
            // foundation-model ARN (arn:aws:bedrock:::foundation-model/<id>) as the resource that
            // allows that, so no Region list is needed:
            // https://docs.aws.amazon.com/bedrock/latest/userguide/global-cross-region-inference.html
            ["global"] = [],
        };

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

    /// <summary>Regions an inference profile may route to; empty for a foundation model.</summary>
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
        if (!DefaultInferenceProfileRegions.TryGetValue(prefix, out var documentedRegions) && !IsProfileIdWithOverride(prefix, explicitArn, inferenceProfileRegions))
        {
            if (explicitArn is not null)
            {
                throw new ArgumentException($"{setting} ARN '{modelId}' names an inference profile with an unknown geography prefix '{prefix}'; set InferenceProfileRegions.");
            }

            // No known geography prefix: a plain foundation model id such as amazon.nova-lite-v1:0.
            return new BedrockModel(modelId, id, null, null, null, []);
        }

        var regions = inferenceProfileRegions is { Count: > 0 } ? inferenceProfileRegions : documentedRegions ?? [];
        if (regions.Count == 0 && prefix != "global")
        {
            throw new ArgumentException($"{setting} '{modelId}' is an inference profile whose destination Regions are not known; set InferenceProfileRegions.");
        }

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
        if (InferenceProfilePrefix == "global")
        {
            arns.Add(FoundationModelArn(stack.Partition, string.Empty));
            arns.Add(FoundationModelArn(stack.Partition, stack.Region));
        }

        arns.AddRange(DestinationRegions.Select(region => FoundationModelArn(stack.Partition, region)));
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
