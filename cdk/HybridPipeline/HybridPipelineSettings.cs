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
        var lightMaxBytes = context.GetDouble("lightMaxBytes", 0, long.MaxValue);
        if (lightMaxBytes is { } bytes && bytes != Math.Floor(bytes))
        {
            throw new ContextSettingException(context.Key("lightMaxBytes"), $"'{bytes}' is not allowed; expected a whole number of bytes.");
        }

        var props = new HybridPipelineStackProps
        {
            Env = environment,
            Description = "AI reference architecture 4: S3 upload -> Step Functions -> Lambda (light documents) or Fargate (large documents) -> Bedrock, with local embeddings.",
            LightMaxBytes = lightMaxBytes is { } maxBytes ? (long)maxBytes : defaults.LightMaxBytes,
            LightMaxPages = context.GetInt("lightMaxPages", 0, int.MaxValue) ?? defaults.LightMaxPages,
            LightMaxCharacters = context.GetInt("lightMaxCharacters", 1, int.MaxValue) ?? defaults.LightMaxCharacters,
            IncomingPrefix = context.GetString("incomingPrefix") ?? defaults.IncomingPrefix,
            DocumentCategories = context.GetList("documentCategories") ?? defaults.DocumentCategories,
            ModelId = context.GetString("modelId") ?? defaults.ModelId,
            InferenceProfileRegions = context.GetList("inferenceProfileRegions"),
            Architecture = context.GetChoice("architecture", Architectures) ?? defaults.Architecture,
            StepMemorySizeMb = context.GetInt("stepMemorySizeMb", PropsRules.MinFunctionMemorySizeMb, PropsRules.MaxFunctionMemorySizeMb) ?? defaults.StepMemorySizeMb,
            AnalyzeMemorySizeMb = context.GetInt("analyzeMemorySizeMb", PropsRules.MinFunctionMemorySizeMb, PropsRules.MaxFunctionMemorySizeMb) ?? defaults.AnalyzeMemorySizeMb,
            PreprocessTimeoutSeconds = context.GetInt("preprocessTimeoutSeconds", 1, PropsRules.MaxFunctionTimeoutSeconds) ?? defaults.PreprocessTimeoutSeconds,
            AnalyzeTimeoutSeconds = context.GetInt("analyzeTimeoutSeconds", 1, PropsRules.MaxFunctionTimeoutSeconds) ?? defaults.AnalyzeTimeoutSeconds,
            StoreTimeoutSeconds = context.GetInt("storeTimeoutSeconds", 1, PropsRules.MaxFunctionTimeoutSeconds) ?? defaults.StoreTimeoutSeconds,
            RecordFailureTimeoutSeconds = context.GetInt("recordFailureTimeoutSeconds", 1, PropsRules.MaxFunctionTimeoutSeconds) ?? defaults.RecordFailureTimeoutSeconds,
            WorkerCpu = context.GetInt("workerCpu", 256, 16384) ?? defaults.WorkerCpu,
            WorkerMemoryMiB = context.GetInt("workerMemoryMiB", 512, 122880) ?? defaults.WorkerMemoryMiB,
            WorkerMaxParallelCalls = context.GetInt("workerMaxParallelCalls", 1, 64) ?? defaults.WorkerMaxParallelCalls,
            WorkerTimeoutMinutes = context.GetInt("workerTimeoutMinutes", 1, HybridPipelineStackProps.MaxExecutionTimeoutMinutes) ?? defaults.WorkerTimeoutMinutes,
            ExecutionTimeoutMinutes = context.GetInt("executionTimeoutMinutes", 1, HybridPipelineStackProps.MaxExecutionTimeoutMinutes) ?? defaults.ExecutionTimeoutMinutes,
            NatGateways = context.GetInt("natGateways", 1, 2) ?? defaults.NatGateways,
            NoncurrentVersionExpirationDays = context.GetInt("noncurrentVersionExpirationDays", 1, 36_500) ?? defaults.NoncurrentVersionExpirationDays,
            LogRetention = context.GetChoice("logRetentionDays", CommonChoices.LogRetentionDays) ?? defaults.LogRetention,
            LogRemovalPolicy = context.GetChoice("logRemovalPolicy", CommonChoices.RemovalPolicies) ?? defaults.LogRemovalPolicy,
            DataRemovalPolicy = context.GetChoice("dataRemovalPolicy", CommonChoices.RemovalPolicies) ?? defaults.DataRemovalPolicy,
            AlarmEmail = context.GetString("alarmEmail"),
        };

        return context.Validated(props, props.Validate);
    }

}
