using System.Globalization;
using ReferenceArchitectures.Cdk;
using ReferenceArchitectures.Cdk.FargateModel;
using ReferenceArchitectures.Cdk.GpuInference;
using ReferenceArchitectures.Cdk.HybridPipeline;
using ReferenceArchitectures.Cdk.LambdaModel;
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

/// <summary>One pattern as a template: its manifest (cdk/&lt;Pattern&gt;/pattern.json) and the options its template takes.</summary>
public sealed record PatternTemplate(PatternManifest Manifest, IReadOnlyList<TemplateParameter> Parameters)
{
    /// <summary>The pattern's name in the code: its folder under cdk/, its stack class's prefix, its condition symbol.</summary>
    public string Pattern => Manifest.Name;

    public int Number => Manifest.Number;

    public string ShortName => Manifest.ShortName;

    public string Title => Manifest.Title;

    public string Description => Manifest.Description;

    /// <summary>Root-relative project files the pattern needs besides the CDK app and its tests.</summary>
    public IReadOnlyList<string> Projects => [.. Manifest.Projects.All];

    public string Identity => $"AwsAi.ReferenceArchitectures.{Pattern}";

    public string StackId => Pattern + "Stack";
}

/// <summary>
/// The patterns as their manifests describe them, each with the settings a user changes first as template options.
/// The options stay here, in code, rather than in the manifests: their defaults come from the props classes and
/// their keys from the settings classes, so a renamed or retyped setting fails this build instead of leaving a
/// template that writes a key nothing reads or a default the stack does not have.
/// </summary>
public static class PatternCatalog
{
    public const string CdkProject = "cdk/ReferenceArchitectures.Cdk.csproj";
    public const string CdkTestsProject = "tests/Cdk.Tests/ReferenceArchitectures.Cdk.Tests.csproj";

    private static readonly Lazy<IReadOnlyList<PatternTemplate>> Repository = new(() => Load(RepositoryLayout.Root));

    /// <summary>The repository's patterns, in the order of their numbers.</summary>
    public static IReadOnlyList<PatternTemplate> All => Repository.Value;

    public static IReadOnlyList<string> PatternNames => [.. All.Select(p => p.Pattern)];

    public static PatternTemplate Find(string nameOrShortName) =>
        All.FirstOrDefault(p => p.ShortName == nameOrShortName || p.Pattern == nameOrShortName)
        ?? throw new ArgumentException($"No pattern is called '{nameOrShortName}'; the templates are {string.Join(", ", All.Select(p => p.ShortName))}.", nameof(nameOrShortName));

    /// <summary>Every manifest under <paramref name="root"/>, each with its template options.</summary>
    /// <exception cref="InvalidOperationException">A manifest cannot be read, or the manifests and the options here do not pair up.</exception>
    public static IReadOnlyList<PatternTemplate> Load(string root)
    {
        var manifests = PatternManifest.ReadAll(root);
        if (manifests.Count == 0)
        {
            throw new InvalidOperationException($"There is no cdk/*/{PatternManifest.FileName} under {root}.");
        }

        var options = Options();
        if (options.Keys.Except(manifests.Select(m => m.Name), StringComparer.Ordinal).FirstOrDefault() is { } orphan)
        {
            throw new InvalidOperationException($"{nameof(PatternCatalog)} has template options for '{orphan}', which has no cdk/{orphan}/{PatternManifest.FileName}.");
        }

        return [.. manifests.Select(manifest => new PatternTemplate(manifest, options.TryGetValue(manifest.Name, out var parameters)
            ? parameters
            : throw new InvalidOperationException($"{manifest.Source} has no template options in {nameof(PatternCatalog)}; every template takes at least one.")))];
    }

    private static Dictionary<string, IReadOnlyList<TemplateParameter>> Options()
    {
        var lambda = new LambdaBedrockStackProps();
        var fargate = new FargateModelStackProps();
        var gpu = new GpuInferenceStackProps();
        var hybrid = new HybridPipelineStackProps();
        var lambdaModel = new LambdaModelStackProps();

        return new(StringComparer.Ordinal)
        {
            ["LambdaBedrock"] =
            [
                Text("modelId", "model-id", LambdaBedrockSettings.Prefix + "modelId", "Bedrock model id or inference profile id the function calls.", lambda.ModelId),
                Choice("architecture", "architecture", LambdaBedrockSettings.Prefix + "architecture", "CPU architecture of the function.", LambdaBedrockSettings.Architectures, lambda.Architecture),
                Integer("memorySizeMb", "memory-size-mb", LambdaBedrockSettings.Prefix + "memorySizeMb", "Memory of the function in MB (128-10240).", lambda.MemorySizeMb),
                Float("throttlingRateLimit", "throttling-rate-limit", LambdaBedrockSettings.Prefix + "throttlingRateLimit", "Steady requests per second the HTTP API lets through.", lambda.ThrottlingRateLimit),
            ],
            ["FargateModel"] =
            [
                Choice("architecture", "architecture", FargateModelSettings.Prefix + "architecture", "CPU architecture of the tasks.", FargateModelSettings.Architectures, fargate.Architecture),
                Integer("cpu", "cpu", FargateModelSettings.Prefix + "cpu", "CPU units per task (1024 = 1 vCPU).", fargate.CpuUnits),
                Integer("memoryMiB", "memory-mib", FargateModelSettings.Prefix + "memoryMiB", "Memory per task in MiB.", fargate.MemoryMiB),
                Integer("maxTasks", "max-tasks", FargateModelSettings.Prefix + "maxTasks", "Most tasks the service scales out to.", fargate.MaxTasks),
                Integer("requestsPerTarget", "requests-per-target", FargateModelSettings.Prefix + "requestsPerTarget", "Requests per task per minute that scaling aims at.", fargate.RequestsPerTarget),
            ],
            ["GpuInference"] =
            [
                Text("instanceType", "instance-type", GpuInferenceSettings.Prefix + "instanceType", "EC2 GPU instance type.", gpu.InstanceType),
                Integer("maxInstances", "max-instances", GpuInferenceSettings.Prefix + "maxInstances", "Most GPU instances the capacity provider starts.", gpu.MaxInstances),
                Integer("requestsPerTarget", "requests-per-target", GpuInferenceSettings.Prefix + "requestsPerTarget", "Requests per task per minute that scaling aims at.", gpu.RequestsPerTarget),
                Choice("allowCpuFallback", "allow-cpu-fallback", GpuInferenceSettings.Prefix + "allowCpuFallback", "Serve on the CPU when no GPU is usable, instead of stopping.", GpuInferenceSettings.Booleans, gpu.AllowCpuFallback),
            ],
            ["HybridPipeline"] =
            [
                Text("modelId", "model-id", HybridPipelineSettings.Prefix + "modelId", "Bedrock model id or inference profile id the analyze step calls.", hybrid.ModelId),
                Choice("architecture", "architecture", HybridPipelineSettings.Prefix + "architecture", "CPU architecture of the functions and the worker task.", HybridPipelineSettings.Architectures, hybrid.Architecture),
                Integer("lightMaxBytes", "light-max-bytes", HybridPipelineSettings.Prefix + "lightMaxBytes", "Largest document, in bytes, that Lambda takes; larger goes to Fargate.", hybrid.LightMaxBytes),
                Integer("lightMaxPages", "light-max-pages", HybridPipelineSettings.Prefix + "lightMaxPages", "Most PDF pages that Lambda takes.", hybrid.LightMaxPages),
                Integer("lightMaxCharacters", "light-max-characters", HybridPipelineSettings.Prefix + "lightMaxCharacters", "Most characters of text that Lambda takes.", hybrid.LightMaxCharacters),
            ],
            ["LambdaModel"] =
            [
                Choice("architecture", "architecture", LambdaModelSettings.Prefix + "architecture", "CPU architecture of the function.", LambdaModelSettings.Architectures, lambdaModel.Architecture),
                Integer("memorySizeMb", "memory-size-mb", LambdaModelSettings.Prefix + "memorySizeMb", "Memory of the function in MB (512-10240); 1769 buys one vCPU.", lambdaModel.MemorySizeMb),
                Float("throttlingRateLimit", "throttling-rate-limit", LambdaModelSettings.Prefix + "throttlingRateLimit", "Steady requests per second the HTTP API lets through.", lambdaModel.ThrottlingRateLimit),
            ],
        };
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
