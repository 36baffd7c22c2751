using System.Globalization;
using ReferenceArchitectures.Cdk.FargateModel;
using ReferenceArchitectures.Cdk.GpuInference;
using ReferenceArchitectures.Cdk.HybridPipeline;
using ReferenceArchitectures.Cdk.LambdaBedrock;

namespace ReferenceArchitectures.Tools.TemplateBuilder;

/// <summary>One template parameter: a `dotnet new` option that writes one context setting into the project's cdk.json.</summary>
/// <param name="Symbol">The template symbol, also the option's name after <c>--</c> when no long name is given.</param>
/// <param name="LongName">The option as typed: <c>--model-id</c>.</param>
/// <param name="ContextKey">The cdk.json context key the value goes to.</param>
/// <param name="DataType">The template engine's type: text, integer, float or choice.</param>
/// <param name="DefaultValue">The repository's default, as the context setting spells it.</param>
/// <param name="Choices">The allowed values of a choice.</param>
public sealed record TemplateParameter(
    string Symbol, string LongName, string ContextKey, string Description, string DataType, string DefaultValue, IReadOnlyList<string>? Choices = null)
{
    /// <summary>The text in the template's cdk.json that `dotnet new` replaces with the value.</summary>
    public string Placeholder => $"__{ContextKey.Replace(':', '_')}__";
}

/// <summary>One pattern as a template.</summary>
/// <param name="Pattern">The pattern's name in the code: its folder under cdk/, its test files' prefix, its condition symbol.</param>
/// <param name="Projects">Root-relative project files the pattern needs besides the CDK app and its tests; references are followed.</param>
public sealed record PatternTemplate(
    string Pattern, int Number, string ShortName, string Title, string Description, IReadOnlyList<string> Projects, IReadOnlyList<TemplateParameter> Parameters)
{
    public string Identity => $"AwsAi.ReferenceArchitectures.{Pattern}";

    public string StackId => Pattern + "Stack";
}

/// <summary>The four patterns and the settings a user changes first, with the defaults the CDK app's props hold.</summary>
public static class PatternCatalog
{
    public const string CdkProject = "cdk/ReferenceArchitectures.Cdk.csproj";
    public const string CdkTestsProject = "tests/Cdk.Tests/ReferenceArchitectures.Cdk.Tests.csproj";

    public static IReadOnlyList<string> PatternNames { get; } = ["LambdaBedrock", "FargateModel", "GpuInference", "HybridPipeline"];

    public static IReadOnlyList<PatternTemplate> All { get; } = Create();

    public static PatternTemplate Find(string nameOrShortName) =>
        All.FirstOrDefault(p => p.ShortName == nameOrShortName || p.Pattern == nameOrShortName)
        ?? throw new ArgumentException($"No pattern is called '{nameOrShortName}'; the templates are {string.Join(", ", All.Select(p => p.ShortName))}.", nameof(nameOrShortName));

    private static List<PatternTemplate> Create()
    {
        var lambda = new LambdaBedrockStackProps();
        var fargate = new FargateModelStackProps();
        var gpu = new GpuInferenceStackProps();
        var hybrid = new HybridPipelineStackProps();

        return
        [
            new("LambdaBedrock", 1, "aws-ai-lambda-bedrock", "AWS AI: Lambda + Bedrock (C# CDK)",
                "An HTTP API and a streaming Function URL in front of a Native AOT C# Lambda function that calls Amazon Bedrock Converse and ConverseStream.",
                [
                    "functions/InferenceApi/ReferenceArchitectures.Functions.InferenceApi.csproj",
                    "tools/StreamChat/ReferenceArchitectures.Tools.StreamChat.csproj",
                    "tests/LambdaRuntime.Tests/ReferenceArchitectures.LambdaRuntime.Tests.csproj",
                    "tests/Bedrock.Tests/ReferenceArchitectures.Bedrock.Tests.csproj",
                    "tests/InferenceApi.Tests/ReferenceArchitectures.InferenceApi.Tests.csproj",
                    "tests/Benchmarks/ColdStart/ReferenceArchitectures.Benchmarks.ColdStart.csproj",
                ],
                [
                    Text("modelId", "model-id", LambdaBedrockSettings.Prefix + "modelId", "Bedrock model id or inference profile id the function calls.", lambda.ModelId),
                    Choice("architecture", "architecture", LambdaBedrockSettings.Prefix + "architecture", "CPU architecture of the function.", LambdaBedrockSettings.Architectures, lambda.Architecture),
                    Integer("memorySizeMb", "memory-size-mb", LambdaBedrockSettings.Prefix + "memorySizeMb", "Memory of the function in MB (128-10240).", lambda.MemorySizeMb),
                    Float("throttlingRateLimit", "throttling-rate-limit", LambdaBedrockSettings.Prefix + "throttlingRateLimit", "Steady requests per second the HTTP API lets through.", lambda.ThrottlingRateLimit),
                ]),
            new("FargateModel", 2, "aws-ai-fargate-model", "AWS AI: Fargate + ALB + local model (C# CDK)",
                "An ASP.NET Core container on Fargate behind a load balancer, serving all-MiniLM-L6-v2 embeddings with ONNX Runtime from memory.",
                [
                    "containers/ModelServer/ReferenceArchitectures.ModelServer.csproj",
                    "tests/Embeddings.Tests/ReferenceArchitectures.Embeddings.Tests.csproj",
                    "tests/ModelServer.Tests/ReferenceArchitectures.ModelServer.Tests.csproj",
                    "tests/Benchmarks/ModelServer/ReferenceArchitectures.Benchmarks.ModelServer.csproj",
                ],
                [
                    Choice("architecture", "architecture", FargateModelSettings.Prefix + "architecture", "CPU architecture of the tasks.", FargateModelSettings.Architectures, fargate.Architecture),
                    Integer("cpu", "cpu", FargateModelSettings.Prefix + "cpu", "CPU units per task (1024 = 1 vCPU).", fargate.CpuUnits),
                    Integer("memoryMiB", "memory-mib", FargateModelSettings.Prefix + "memoryMiB", "Memory per task in MiB.", fargate.MemoryMiB),
                    Integer("maxTasks", "max-tasks", FargateModelSettings.Prefix + "maxTasks", "Most tasks the service scales out to.", fargate.MaxTasks),
                    Integer("requestsPerTarget", "requests-per-target", FargateModelSettings.Prefix + "requestsPerTarget", "Requests per task per minute that scaling aims at.", fargate.RequestsPerTarget),
                ]),
            new("GpuInference", 3, "aws-ai-gpu-inference", "AWS AI: ECS on EC2 with GPUs (C# CDK)",
                "The model server built for CUDA, on GPU instances (g5) with an ECS capacity provider, behind a load balancer.",
                [
                    "containers/ModelServer/ReferenceArchitectures.ModelServer.csproj",
                    "tests/Embeddings.Tests/ReferenceArchitectures.Embeddings.Tests.csproj",
                    "tests/ModelServer.Tests/ReferenceArchitectures.ModelServer.Tests.csproj",
                ],
                [
                    Text("instanceType", "instance-type", GpuInferenceSettings.Prefix + "instanceType", "EC2 GPU instance type.", gpu.InstanceType),
                    Integer("maxInstances", "max-instances", GpuInferenceSettings.Prefix + "maxInstances", "Most GPU instances the capacity provider starts.", gpu.MaxInstances),
                    Integer("requestsPerTarget", "requests-per-target", GpuInferenceSettings.Prefix + "requestsPerTarget", "Requests per task per minute that scaling aims at.", gpu.RequestsPerTarget),
                    Choice("allowCpuFallback", "allow-cpu-fallback", GpuInferenceSettings.Prefix + "allowCpuFallback", "Serve on the CPU when no GPU is usable, instead of stopping.", GpuInferenceSettings.Booleans, gpu.AllowCpuFallback),
                ]),
            new("HybridPipeline", 4, "aws-ai-hybrid-pipeline", "AWS AI: Step Functions hybrid pipeline (C# CDK)",
                "S3 uploads start a state machine: Lambda functions preprocess, call Bedrock and store results; a Fargate task takes documents too big for Lambda.",
                [
                    "functions/DocumentPipeline/ReferenceArchitectures.Functions.DocumentPipeline.csproj",
                    "containers/BatchWorker/ReferenceArchitectures.BatchWorker.csproj",
                    "tests/LambdaRuntime.Tests/ReferenceArchitectures.LambdaRuntime.Tests.csproj",
                    "tests/Bedrock.Tests/ReferenceArchitectures.Bedrock.Tests.csproj",
                    "tests/Documents.Tests/ReferenceArchitectures.Documents.Tests.csproj",
                    "tests/Pipeline.Tests/ReferenceArchitectures.Pipeline.Tests.csproj",
                    "tests/Benchmarks/Pipeline/ReferenceArchitectures.Benchmarks.Pipeline.csproj",
                ],
                [
                    Text("modelId", "model-id", HybridPipelineSettings.Prefix + "modelId", "Bedrock model id or inference profile id the analyze step calls.", hybrid.ModelId),
                    Choice("architecture", "architecture", HybridPipelineSettings.Prefix + "architecture", "CPU architecture of the functions and the worker task.", HybridPipelineSettings.Architectures, hybrid.Architecture),
                    Integer("lightMaxBytes", "light-max-bytes", HybridPipelineSettings.Prefix + "lightMaxBytes", "Largest document, in bytes, that Lambda takes; larger goes to Fargate.", hybrid.LightMaxBytes),
                    Integer("lightMaxPages", "light-max-pages", HybridPipelineSettings.Prefix + "lightMaxPages", "Most PDF pages that Lambda takes.", hybrid.LightMaxPages),
                    Integer("lightMaxCharacters", "light-max-characters", HybridPipelineSettings.Prefix + "lightMaxCharacters", "Most characters of text that Lambda takes.", hybrid.LightMaxCharacters),
                ]),
        ];
    }

    private static TemplateParameter Text(string symbol, string longName, string key, string description, string value) =>
        new(symbol, longName, key, description, "text", value);

    private static TemplateParameter Integer(string symbol, string longName, string key, string description, long value) =>
        new(symbol, longName, key, description, "integer", value.ToString(CultureInfo.InvariantCulture));

    private static TemplateParameter Float(string symbol, string longName, string key, string description, double value) =>
        new(symbol, longName, key, description, "float", value.ToString(CultureInfo.InvariantCulture));

    private static TemplateParameter Choice<T>(string symbol, string longName, string key, string description, IReadOnlyDictionary<string, T> choices, T value)
    {
        var spelled = choices.Single(choice => EqualityComparer<T>.Default.Equals(choice.Value, value)).Key;
        return new(symbol, longName, key, description, "choice", spelled, [.. choices.Keys.Order(StringComparer.Ordinal)]);
    }
}
