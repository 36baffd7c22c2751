using System.Globalization;
using System.Text.RegularExpressions;

namespace ReferenceArchitectures.Tools.Advisor.Workload;

/// <summary>Reads quantities written with their unit: <c>250ms</c>, <c>1.5s</c>, <c>15min</c>, <c>512MB</c>, <c>6MB</c>, <c>10GB</c>.</summary>
public static partial class Units
{
    /// <summary>Sizes are binary, as AWS's limits are (Lambda's "10,240 MB" is 10 GiB).</summary>
    private static readonly Dictionary<string, double> BytesPerUnit = new(StringComparer.OrdinalIgnoreCase)
    {
        ["B"] = 1,
        ["KB"] = 1024,
        ["KiB"] = 1024,
        ["MB"] = 1024 * 1024,
        ["MiB"] = 1024 * 1024,
        ["GB"] = 1024d * 1024 * 1024,
        ["GiB"] = 1024d * 1024 * 1024,
        ["TB"] = 1024d * 1024 * 1024 * 1024,
        ["TiB"] = 1024d * 1024 * 1024 * 1024,
    };

    private static readonly Dictionary<string, double> SecondsPerUnit = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ms"] = 0.001,
        ["s"] = 1,
        ["sec"] = 1,
        ["m"] = 60,
        ["min"] = 60,
        ["h"] = 3600,
        ["hr"] = 3600,
    };

    public static TimeSpan ParseDuration(string text, string name)
    {
        var (number, unit) = Split(text, name, "a duration such as 250ms, 1.5s, 15min or 2h");
        if (!SecondsPerUnit.TryGetValue(unit, out var seconds))
        {
            throw new AdvisorInputException($"{name}: unknown duration unit '{unit}' in '{text}'; use ms, s, min or h.");
        }

        return TimeSpan.FromSeconds(RequireNotNegative(number, name, text) * seconds);
    }

    /// <summary>A size in bytes.</summary>
    public static double ParseSize(string text, string name)
    {
        var (number, unit) = Split(text, name, "a size such as 20KB, 512MB or 10GB");
        if (!BytesPerUnit.TryGetValue(unit, out var bytes))
        {
            throw new AdvisorInputException($"{name}: unknown size unit '{unit}' in '{text}'; use B, KB, MB, GB or TB (binary: 1 MB = 1024 KB).");
        }

        return RequireNotNegative(number, name, text) * bytes;
    }

    public static double ParseNumber(string text, string name)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
        {
            throw new AdvisorInputException($"{name}: '{text}' is not a number.");
        }

        return RequireNotNegative(number, name, text);
    }

    public static bool ParseBoolean(string text, string name) => text.ToUpperInvariant() switch
    {
        "TRUE" or "YES" or "1" => true,
        "FALSE" or "NO" or "0" => false,
        _ => throw new AdvisorInputException($"{name}: '{text}' is not true or false."),
    };

    public static string FormatSize(double bytes) => bytes switch
    {
        >= 1024d * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024d * 1024 * 1024):0.##} GB"),
        >= 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024d * 1024):0.##} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024:0.##} KB"),
    };

    public static string FormatDuration(TimeSpan duration) => duration.TotalSeconds switch
    {
        < 1 => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0.#} ms"),
        < 120 => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.##} s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMinutes:0.##} min"),
    };

    private static (double Number, string Unit) Split(string text, string name, string example)
    {
        var match = Quantity().Match(text.Trim());
        if (!match.Success)
        {
            throw new AdvisorInputException($"{name}: '{text}' is not {example}.");
        }

        var number = double.Parse(match.Groups["number"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (match.Groups["unit"].Value.Length == 0)
        {
            throw new AdvisorInputException($"{name}: '{text}' has no unit; write {example}.");
        }

        return (number, match.Groups["unit"].Value);
    }

    private static double RequireNotNegative(double number, string name, string text) =>
        number >= 0 ? number : throw new AdvisorInputException($"{name}: '{text}' is negative; it must be zero or more.");

    [GeneratedRegex(@"^(?<number>[-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(?<unit>[A-Za-z]*)$")]
    private static partial Regex Quantity();
}
