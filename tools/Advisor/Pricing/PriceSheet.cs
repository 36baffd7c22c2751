using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReferenceArchitectures.Tools.Advisor.Pricing;

/// <summary>One figure from the price file, with where and when it was read.</summary>
public sealed record PriceEntry(
    [property: JsonPropertyName("value")] double Value,
    [property: JsonPropertyName("unit")] string Unit,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("read")] string Read,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("note")] string? Note = null)
{
    public bool Verified => Status == "verified";
}

public sealed record RegionPriceList(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("prices")] IReadOnlyDictionary<string, PriceEntry> Prices);

public sealed record PriceFile(
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("hoursPerMonth")] double HoursPerMonth,
    [property: JsonPropertyName("regions")] IReadOnlyDictionary<string, RegionPriceList> Regions);

/// <summary>The prices of one Region, read from the price file (tools/Advisor/prices.json by default).</summary>
public sealed class PriceSheet
{
    public const string DefaultRegion = "us-east-1";

    private readonly IReadOnlyDictionary<string, PriceEntry> prices;

    public PriceSheet(string region, RegionPriceList list)
    {
        ArgumentNullException.ThrowIfNull(list);
        Region = region;
        RegionName = list.Name;
        prices = list.Prices;
    }

    public string Region { get; }
    public string RegionName { get; }

    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "prices.json");

    public IEnumerable<KeyValuePair<string, PriceEntry>> Entries => prices.OrderBy(entry => entry.Key, StringComparer.Ordinal);

    public static PriceFile ReadFile(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<PriceFile>(stream)
                ?? throw new AdvisorInputException($"{path}: the price file is empty.");
        }
        catch (JsonException exception)
        {
            throw new AdvisorInputException($"{path}: the price file does not parse: {exception.Message}", exception);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new AdvisorInputException($"{path}: cannot read the price file: {exception.Message}", exception);
        }
    }

    public static PriceSheet Load(string path, string region)
    {
        var file = ReadFile(path);
        if (file.Regions is null || !file.Regions.TryGetValue(region, out var list))
        {
            var known = file.Regions is null ? "none" : string.Join(", ", file.Regions.Keys.Order(StringComparer.Ordinal));
            throw new AdvisorInputException(
                $"{path} has no prices for region '{region}' (it has: {known}). Add the region's figures, each with its source and date, or choose one of those.");
        }

        return new PriceSheet(region, list);
    }

    /// <summary>A price the model needs; a missing one is a gap in the price file, named so it can be filled.</summary>
    public double this[string key] =>
        prices.TryGetValue(key, out var entry)
            ? entry.Value
            : throw new AdvisorInputException($"The price file has no '{key}' for {Region}; add it with its source and date.");

    public bool Has(string key) => prices.ContainsKey(key);

    public IEnumerable<string> UnverifiedKeys(IEnumerable<string> used) =>
        used.Distinct().Where(key => prices.TryGetValue(key, out var entry) && !entry.Verified).Order(StringComparer.Ordinal);
}

/// <summary>The keys of the price file, in one place.</summary>
public static class PriceKeys
{
    public const string LambdaRequestsPerMillion = "lambda.requestsPerMillion";
    public const string LambdaFreeRequests = "lambda.freeRequests";
    public const string LambdaFreeGbSeconds = "lambda.freeGbSeconds";
    public const string ApiHttpFirst300M = "apiGateway.httpRequestsPerMillionFirst300M";
    public const string ApiHttpOver300M = "apiGateway.httpRequestsPerMillionOver300M";
    public const string AlbHour = "alb.hour";
    public const string WafWebAclMonth = "waf.webAclMonth";
    public const string WafRuleMonth = "waf.ruleMonth";
    public const string WafRequestsPerMillion = "waf.requestsPerMillion";
    public const string AlbLcuHour = "alb.lcuHour";
    public const string NatHour = "nat.hour";
    public const string NatGb = "nat.gbProcessed";
    public const string EbsGp3GbMonth = "ebs.gp3GbMonth";
    public const string StepFunctionsPerThousand = "stepFunctions.standardTransitionsPerThousand";
    public const string StepFunctionsFree = "stepFunctions.freeTransitions";

    public static string LambdaGbSecond(CpuArchitecture architecture) => $"lambda.{Name(architecture)}GbSecond";
    public static string LambdaProvisionedConcurrency(CpuArchitecture architecture) => $"lambda.{Name(architecture)}ProvisionedConcurrencyGbSecond";
    public static string LambdaProvisionedDuration(CpuArchitecture architecture) => $"lambda.{Name(architecture)}ProvisionedDurationGbSecond";
    public static string FargateVcpuHour(CpuArchitecture architecture) => $"fargate.{Name(architecture)}VcpuHour";
    public static string FargateGbHour(CpuArchitecture architecture) => $"fargate.{Name(architecture)}GbHour";
    public static string Ec2InstanceHour(string instanceType) => $"ec2.{instanceType}Hour";

    private static string Name(CpuArchitecture architecture) => architecture == CpuArchitecture.Arm64 ? "arm64" : "x86";
}

public enum CpuArchitecture
{
    X64,
    Arm64,
}
