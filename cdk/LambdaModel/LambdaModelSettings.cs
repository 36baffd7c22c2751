using Amazon.CDK;
using Constructs;
using ReferenceArchitectures.Cdk.Configuration;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.LambdaModel;

/// <summary>Maps the <c>lambdaModel:*</c> context settings to <see cref="LambdaModelStackProps"/>.</summary>
public static class LambdaModelSettings
{
    public const string Prefix = "lambdaModel:";

    /// <summary>The values the architecture setting takes, as written in cdk.json or after -c.</summary>
    public static IReadOnlyDictionary<string, ProcessorArchitecture> Architectures => ProcessorArchitectures.ByName;

    // Settings whose key is not the property's name in camel case.
    private static readonly IReadOnlyDictionary<string, string> SettingNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [nameof(LambdaModelStackProps.ProvisionedConcurrentExecutions)] = "provisionedConcurrency",
        [nameof(LambdaModelStackProps.ReservedConcurrentExecutions)] = "reservedConcurrency",
    };

    /// <summary>Reads the settings once; a value that cannot be used throws <see cref="ContextSettingException"/> naming its key.</summary>
    public static LambdaModelStackProps FromContext(Node node, IEnvironment? environment)
    {
        var context = new ContextReader(node, Prefix);
        var defaults = new LambdaModelStackProps();
        var props = new LambdaModelStackProps
        {
            Env = environment,
            Description = "AI reference architecture 5: all-MiniLM-L6-v2 embeddings in a C# Native AOT Lambda function behind an HTTP API.",
            MemorySizeMb = context.GetInt("memorySizeMb") ?? defaults.MemorySizeMb,
            TimeoutSeconds = context.GetInt("timeoutSeconds") ?? defaults.TimeoutSeconds,
            Architecture = context.GetChoice("architecture", Architectures) ?? defaults.Architecture,
            ReservedConcurrentExecutions = context.GetInt("reservedConcurrency"),
            ProvisionedConcurrentExecutions = context.GetInt("provisionedConcurrency") ?? defaults.ProvisionedConcurrentExecutions,
            MaxInputsPerRequest = context.GetInt("maxInputsPerRequest"),
            MaxCharactersPerInput = context.GetInt("maxCharactersPerInput"),
            LogRetention = context.GetChoice("logRetentionDays", CommonChoices.LogRetentionDays) ?? defaults.LogRetention,
            LogRemovalPolicy = context.GetChoice("logRemovalPolicy", CommonChoices.RemovalPolicies) ?? defaults.LogRemovalPolicy,
            ThrottlingRateLimit = context.GetDouble("throttlingRateLimit") ?? defaults.ThrottlingRateLimit,
            ThrottlingBurstLimit = context.GetInt("throttlingBurstLimit") ?? defaults.ThrottlingBurstLimit,
            AlarmEmail = context.GetString("alarmEmail"),
        };

        return context.Validated(props, props.Validate, SettingNames);
    }
}
