using Amazon.CDK;
using Amazon.CDK.AWS.Logs;
using Constructs;
using ReferenceArchitectures.Cdk.Configuration;

namespace ReferenceArchitectures.Cdk.LambdaBedrock;

/// <summary>Maps the <c>lambdaBedrock:*</c> context settings to <see cref="LambdaBedrockStackProps"/>.</summary>
public static class LambdaBedrockSettings
{
    public const string Prefix = "lambdaBedrock:";

    private static readonly IReadOnlyDictionary<string, FunctionArchitecture> Architectures =
        new Dictionary<string, FunctionArchitecture>(StringComparer.Ordinal) { ["x86_64"] = FunctionArchitecture.X64, ["arm64"] = FunctionArchitecture.Arm64 };

    private static readonly IReadOnlyDictionary<string, ApiAuthorization> Authorizations =
        new Dictionary<string, ApiAuthorization>(StringComparer.Ordinal) { ["iam"] = ApiAuthorization.Iam, ["none"] = ApiAuthorization.None };

    private static readonly IReadOnlyDictionary<string, RemovalPolicy> RemovalPolicies =
        new Dictionary<string, RemovalPolicy>(StringComparer.Ordinal) { ["destroy"] = RemovalPolicy.DESTROY, ["retain"] = RemovalPolicy.RETAIN };

    // The retention periods CloudWatch Logs accepts, in days
    // (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
    private static readonly IReadOnlyDictionary<string, RetentionDays> Retentions = new Dictionary<string, RetentionDays>(StringComparer.Ordinal)
    {
        ["1"] = RetentionDays.ONE_DAY, ["3"] = RetentionDays.THREE_DAYS, ["5"] = RetentionDays.FIVE_DAYS,
        ["7"] = RetentionDays.ONE_WEEK, ["14"] = RetentionDays.TWO_WEEKS, ["30"] = RetentionDays.ONE_MONTH,
        ["60"] = RetentionDays.TWO_MONTHS, ["90"] = RetentionDays.THREE_MONTHS, ["120"] = RetentionDays.FOUR_MONTHS,
        ["150"] = RetentionDays.FIVE_MONTHS, ["180"] = RetentionDays.SIX_MONTHS, ["365"] = RetentionDays.ONE_YEAR,
        ["400"] = RetentionDays.THIRTEEN_MONTHS, ["545"] = RetentionDays.EIGHTEEN_MONTHS, ["731"] = RetentionDays.TWO_YEARS,
        ["1096"] = RetentionDays.THREE_YEARS, ["1827"] = RetentionDays.FIVE_YEARS, ["2192"] = RetentionDays.SIX_YEARS,
        ["2557"] = RetentionDays.SEVEN_YEARS, ["2922"] = RetentionDays.EIGHT_YEARS, ["3288"] = RetentionDays.NINE_YEARS,
        ["3653"] = RetentionDays.TEN_YEARS,
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
            MaxPromptCharacters = context.GetInt("maxPromptCharacters", 1, int.MaxValue),
            MemorySizeMb = context.GetInt("memorySizeMb", LambdaBedrockStackProps.MinMemorySizeMb, LambdaBedrockStackProps.MaxMemorySizeMb) ?? defaults.MemorySizeMb,
            ApiTimeoutSeconds = context.GetInt("apiTimeoutSeconds", 1, LambdaBedrockStackProps.MaxApiTimeoutSeconds) ?? defaults.ApiTimeoutSeconds,
            StreamTimeoutSeconds = context.GetInt("streamTimeoutSeconds", 1, LambdaBedrockStackProps.MaxStreamTimeoutSeconds) ?? defaults.StreamTimeoutSeconds,
            Architecture = context.GetChoice("architecture", Architectures) ?? defaults.Architecture,
            ReservedConcurrentExecutions = context.GetInt("reservedConcurrency", 0, int.MaxValue),
            ProvisionedConcurrentExecutions = context.GetInt("provisionedConcurrency", 0, int.MaxValue) ?? defaults.ProvisionedConcurrentExecutions,
            LogRetention = context.GetChoice("logRetentionDays", Retentions) ?? defaults.LogRetention,
            LogRemovalPolicy = context.GetChoice("logRemovalPolicy", RemovalPolicies) ?? defaults.LogRemovalPolicy,
            ApiAuthorization = context.GetChoice("apiAuthorization", Authorizations) ?? defaults.ApiAuthorization,
            ThrottlingRateLimit = context.GetDouble("throttlingRateLimit", 0, 1_000_000) ?? defaults.ThrottlingRateLimit,
            ThrottlingBurstLimit = context.GetInt("throttlingBurstLimit", 1, 1_000_000) ?? defaults.ThrottlingBurstLimit,
            AlarmEmail = context.GetString("alarmEmail"),
        };

        try
        {
            props.Validate();
        }
        catch (ArgumentException error)
        {
            // Rules that span settings (guardrail id and version together, model id format) surface with the key to change.
            throw new ContextSettingException(context.Key(SettingName(error.ParamName)), error.Message);
        }

        return props;
    }

    private static string SettingName(string? propertyName) => propertyName switch
    {
        nameof(LambdaBedrockStackProps.ModelId) => "modelId",
        nameof(LambdaBedrockStackProps.GuardrailVersion) => "guardrailVersion",
        nameof(LambdaBedrockStackProps.GuardrailId) => "guardrailId",
        nameof(LambdaBedrockStackProps.InferenceProfileRegions) => "inferenceProfileRegions",
        nameof(LambdaBedrockStackProps.ProvisionedConcurrentExecutions) => "provisionedConcurrency",
        nameof(LambdaBedrockStackProps.AlarmEmail) => "alarmEmail",
        _ => propertyName is null ? "*" : char.ToLowerInvariant(propertyName[0]) + propertyName[1..],
    };
}
