using Amazon.CDK;
using Amazon.CDK.AWS.Logs;
using Constructs;
using ReferenceArchitectures.Cdk.Configuration;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.HybridPipeline;

/// <summary>Maps the <c>hybridPipeline:*</c> context settings to <see cref="HybridPipelineStackProps"/>.</summary>
public static class HybridPipelineSettings
{
    public const string Prefix = "hybridPipeline:";

    /// <summary>The values the architecture setting takes, as written in cdk.json or after -c.</summary>
    public static IReadOnlyDictionary<string, ProcessorArchitecture> Architectures => ProcessorArchitectures.ByName;

    /// <summary>Reads the settings once; a value that cannot be used throws <see cref="ContextSettingException"/> naming its key.</summary>
    public static HybridPipelineStackProps FromContext(Node node, IEnvironment? environment)
    {
        var context = new ContextReader(node, Prefix);
        var defaults = new HybridPipelineStackProps();
        var props = new HybridPipelineStackProps
        {
            Env = environment,
            Description = "AI reference architecture 4: S3 upload -> Step Functions -> Lambda (light documents) or Fargate (large documents) -> Bedrock, with local embeddings.",
            LightMaxBytes = context.GetLong("lightMaxBytes") ?? defaults.LightMaxBytes,
            LightMaxPages = context.GetInt("lightMaxPages") ?? defaults.LightMaxPages,
            LightMaxCharacters = context.GetLong("lightMaxCharacters") ?? defaults.LightMaxCharacters,
            IncomingPrefix = context.GetString("incomingPrefix") ?? defaults.IncomingPrefix,
            DocumentCategories = context.GetList("documentCategories") ?? defaults.DocumentCategories,
            ModelId = context.GetString("modelId") ?? defaults.ModelId,
            InferenceProfileRegions = context.GetList("inferenceProfileRegions"),
            Architecture = context.GetChoice("architecture", Architectures) ?? defaults.Architecture,
            StepMemorySizeMb = context.GetInt("stepMemorySizeMb") ?? defaults.StepMemorySizeMb,
            AnalyzeMemorySizeMb = context.GetInt("analyzeMemorySizeMb") ?? defaults.AnalyzeMemorySizeMb,
            PreprocessTimeoutSeconds = context.GetInt("preprocessTimeoutSeconds") ?? defaults.PreprocessTimeoutSeconds,
            AnalyzeTimeoutSeconds = context.GetInt("analyzeTimeoutSeconds") ?? defaults.AnalyzeTimeoutSeconds,
            StoreTimeoutSeconds = context.GetInt("storeTimeoutSeconds") ?? defaults.StoreTimeoutSeconds,
            RecordFailureTimeoutSeconds = context.GetInt("recordFailureTimeoutSeconds") ?? defaults.RecordFailureTimeoutSeconds,
            WorkerCpu = context.GetInt("workerCpu") ?? defaults.WorkerCpu,
            WorkerMemoryMiB = context.GetInt("workerMemoryMiB") ?? defaults.WorkerMemoryMiB,
            WorkerMaxParallelCalls = context.GetInt("workerMaxParallelCalls") ?? defaults.WorkerMaxParallelCalls,
            MaxRunningExecutions = context.GetInt("maxRunningExecutions") ?? defaults.MaxRunningExecutions,
            WorkerTimeoutMinutes = context.GetInt("workerTimeoutMinutes") ?? defaults.WorkerTimeoutMinutes,
            ExecutionTimeoutMinutes = context.GetInt("executionTimeoutMinutes") ?? defaults.ExecutionTimeoutMinutes,
            NatGateways = context.GetInt("natGateways") ?? defaults.NatGateways,
            NoncurrentVersionExpirationDays = context.GetInt("noncurrentVersionExpirationDays") ?? defaults.NoncurrentVersionExpirationDays,
            LogRetention = context.GetChoice("logRetentionDays", CommonChoices.LogRetentionDays) ?? defaults.LogRetention,
            LogRemovalPolicy = context.GetChoice("logRemovalPolicy", CommonChoices.RemovalPolicies) ?? defaults.LogRemovalPolicy,
            DataRemovalPolicy = context.GetChoice("dataRemovalPolicy", CommonChoices.RemovalPolicies) ?? defaults.DataRemovalPolicy,
            AlarmEmail = context.GetString("alarmEmail"),
        };

        return context.Validated(props, props.Validate);
    }
}
