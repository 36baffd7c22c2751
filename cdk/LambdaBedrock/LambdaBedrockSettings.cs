using Amazon.CDK;
using Amazon.CDK.AWS.Logs;
using Constructs;
using ReferenceArchitectures.Cdk.Configuration;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.LambdaBedrock;

/// <summary>Maps the <c>lambdaBedrock:*</c> context settings to <see cref="LambdaBedrockStackProps"/>.</summary>
public static class LambdaBedrockSettings
{
    public const string Prefix = "lambdaBedrock:";

    /// <summary>The values the architecture setting takes, as written in cdk.json or after -c.</summary>
    public static IReadOnlyDictionary<string, ProcessorArchitecture> Architectures => ProcessorArchitectures.ByName;

    private static readonly IReadOnlyDictionary<string, ApiAuthorization> Authorizations =
        new Dictionary<string, ApiAuthorization>(StringComparer.Ordinal) { ["iam"] = ApiAuthorization.Iam, ["none"] = ApiAuthorization.None };

    // Settings whose key is not the property's name in camel case.
    private static readonly IReadOnlyDictionary<string, string> SettingNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [nameof(LambdaBedrockStackProps.ProvisionedConcurrentExecutions)] = "provisionedConcurrency",
        [nameof(LambdaBedrockStackProps.ReservedConcurrentExecutions)] = "reservedConcurrency",
    };

    /// <summary>Reads the settings once; a value that cannot be used throws <see cref="ContextSettingException"/> naming its key.</summary>
    public static LambdaBedrockStackProps FromContext(Node node, IEnvironment? environment)
    {
        var context = new ContextReader(node, Prefix);
        var defaults = new LambdaBedrockStackProps();
        var props = new LambdaBedrockStackProps
        {
            Env = environment,
            Description = "AI reference architecture 1: C# Native AOT Lambda + Amazon Bedrock behind an HTTP API and a streaming Function URL.",
            ModelId = context.GetString("modelId") ?? defaults.ModelId,
            InferenceProfileRegions = context.GetList("inferenceProfileRegions"),
            GuardrailId = context.GetString("guardrailId"),
            GuardrailVersion = context.GetString("guardrailVersion"),
            MaxPromptCharacters = context.GetInt("maxPromptCharacters"),
            MemorySizeMb = context.GetInt("memorySizeMb") ?? defaults.MemorySizeMb,
            ApiTimeoutSeconds = context.GetInt("apiTimeoutSeconds") ?? defaults.ApiTimeoutSeconds,
            StreamTimeoutSeconds = context.GetInt("streamTimeoutSeconds") ?? defaults.StreamTimeoutSeconds,
            Architecture = context.GetChoice("architecture", Architectures) ?? defaults.Architecture,
            ReservedConcurrentExecutions = context.GetInt("reservedConcurrency"),
            ProvisionedConcurrentExecutions = context.GetInt("provisionedConcurrency") ?? defaults.ProvisionedConcurrentExecutions,
            LogRetention = context.GetChoice("logRetentionDays", CommonChoices.LogRetentionDays) ?? defaults.LogRetention,
            LogRemovalPolicy = context.GetChoice("logRemovalPolicy", CommonChoices.RemovalPolicies) ?? defaults.LogRemovalPolicy,
            ApiAuthorization = context.GetChoice("apiAuthorization", Authorizations) ?? defaults.ApiAuthorization,
            ThrottlingRateLimit = context.GetDouble("throttlingRateLimit") ?? defaults.ThrottlingRateLimit,
            ThrottlingBurstLimit = context.GetInt("throttlingBurstLimit") ?? defaults.ThrottlingBurstLimit,
            AlarmEmail = context.GetString("alarmEmail"),
        };

        return context.Validated(props, props.Validate, SettingNames);
    }
}
