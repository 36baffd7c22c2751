using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ReferenceArchitectures.Tools.Advisor.Workload;

/// <summary>
/// Builds a <see cref="WorkloadProfile"/> from a JSON or YAML file and from command-line options; options win.
/// File keys are camelCase (<c>meanDuration</c>), options the same words in kebab-case (<c>--mean-duration</c>).
/// </summary>
public static class ProfileReader
{
    private sealed record Setting(string Key, string Example, string Meaning, Func<WorkloadProfile, string, WorkloadProfile> Apply)
    {
        public string Option => "--" + string.Concat(Key.Select(c => char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : c.ToString()));
    }

    private static readonly Setting[] Settings =
    [
        new("requestsPerDay", "50000", "requests a day", (p, v) => p with { RequestsPerDay = Units.ParseNumber(v, "requestsPerDay") }),
        new("requestsPerSecond", "12.5", "mean requests a second (instead of requestsPerDay)", (p, v) => p with { RequestsPerDay = Units.ParseNumber(v, "requestsPerSecond") * 86_400 }),
        new("shape", "business-hours", "daily shape: flat, business-hours, evening-peak, or 24 hourly weights", (p, v) => p with { Shape = DailyShape.Parse(v, "shape") }),
        new("meanDuration", "250ms", "mean time one request runs", (p, v) => p with { MeanDuration = Units.ParseDuration(v, "meanDuration") }),
        new("p95Duration", "1s", "95th-percentile time one request runs", (p, v) => p with { P95Duration = Units.ParseDuration(v, "p95Duration") }),
        new("memory", "512MB", "memory one worker needs, model included", (p, v) => p with { MemoryMiB = Units.ParseSize(v, "memory") / (1024 * 1024) }),
        new("vcpu", "1", "vCPUs one request keeps busy", (p, v) => p with { Vcpus = Units.ParseNumber(v, "vcpu") }),
        new("payloadSize", "20KB", "the larger of request and response body", (p, v) => p with { PayloadBytes = Units.ParseSize(v, "payloadSize") }),
        new("longestJob", "30s", "the longest single request or job", (p, v) => p with { LongestJob = Units.ParseDuration(v, "longestJob") }),
        new("gpu", "false", "whether the work needs a GPU", (p, v) => p with { NeedsGpu = Units.ParseBoolean(v, "gpu") }),
        new("modelSize", "90MB", "model weights the code loads itself (0 when Bedrock hosts the model)", (p, v) => p with { ModelBytes = Units.ParseSize(v, "modelSize") }),
        new("synchronous", "true", "whether the caller waits for the answer in the same HTTP request", (p, v) => p with { Synchronous = Units.ParseBoolean(v, "synchronous") }),
        new("callersInVpc", "false", "whether the callers are inside the VPC (patterns 2 and 3 are then priced with exposure=internal, without the signed HTTP API)", (p, v) => p with { CallersInVpc = Units.ParseBoolean(v, "callersInVpc") }),
        new("natDataPerMonth", "10GB", "traffic from private subnets out through NAT a month", (p, v) => p with { NatBytesPerMonth = Units.ParseSize(v, "natDataPerMonth") }),
        new("concurrencyPerGpu", "4", "requests one GPU works on at once", (p, v) => p with { ConcurrencyPerGpu = Units.ParseNumber(v, "concurrencyPerGpu") }),
    ];

    public static IEnumerable<(string Option, string Example, string Meaning)> Describe() =>
        Settings.Select(setting => (setting.Option, setting.Example, setting.Meaning));

    public static bool IsProfileOption(string option) => Settings.Any(setting => setting.Option == option);

    /// <param name="filePath">A .json, .yaml or .yml profile, or null.</param>
    /// <param name="options">Profile options from the command line, by option name (<c>--mean-duration</c>).</param>
    public static WorkloadProfile Read(string? filePath, IReadOnlyList<KeyValuePair<string, string>> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var profile = new WorkloadProfile();
        if (filePath is not null)
        {
            foreach (var (key, value) in ReadFile(filePath))
            {
                var setting = Settings.FirstOrDefault(s => s.Key == key)
                    ?? throw new AdvisorInputException($"{filePath}: unknown key '{key}'. Known keys: {string.Join(", ", Settings.Select(s => s.Key))}.");
                profile = setting.Apply(profile, value);
            }
        }

        foreach (var (option, value) in options)
        {
            var setting = Settings.First(s => s.Option == option);
            profile = setting.Apply(profile, value);
        }

        return profile.Validated();
    }

    private static List<KeyValuePair<string, string>> ReadFile(string path)
    {
        var extension = Path.GetExtension(path).ToUpperInvariant();
        if (extension is not (".JSON" or ".YAML" or ".YML"))
        {
            throw new AdvisorInputException($"{path}: a profile file must be .json, .yaml or .yml.");
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new AdvisorInputException($"{path}: cannot read the profile file: {exception.Message}", exception);
        }

        // JSON is YAML's flow style, so one parser reads both and reports positions the same way.
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException exception)
        {
            throw new AdvisorInputException(
                $"{path}: does not parse as {(extension == ".JSON" ? "JSON" : "YAML")} at line {exception.Start.Line}, column {exception.Start.Column}: {exception.Message}", exception);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new AdvisorInputException($"{path}: a profile is one object of keys and values, such as {{ \"requestsPerDay\": 50000, \"meanDuration\": \"250ms\" }}.");
        }

        var entries = new List<KeyValuePair<string, string>>();
        foreach (var (keyNode, valueNode) in root.Children)
        {
            var key = keyNode is YamlScalarNode { Value: { } name } ? name : throw new AdvisorInputException($"{path}: every key must be a plain name.");
            var value = valueNode switch
            {
                YamlScalarNode scalar => scalar.Value ?? string.Empty,
                YamlSequenceNode sequence when sequence.Children.All(item => item is YamlScalarNode) =>
                    string.Join(",", sequence.Children.Select(item => ((YamlScalarNode)item).Value)),
                _ => throw new AdvisorInputException($"{path}: '{key}' must be a single value{(key == "shape" ? " or a list of 24 numbers" : string.Empty)}."),
            };
            entries.Add(new(key, value.ToString(CultureInfo.InvariantCulture)));
        }

        return entries;
    }
}
