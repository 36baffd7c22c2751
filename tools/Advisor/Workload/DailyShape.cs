using System.Globalization;

namespace ReferenceArchitectures.Tools.Advisor.Workload;

/// <summary>How a day's requests spread over its 24 hours, as relative weights (only their ratios matter).</summary>
public sealed record DailyShape(string Name, IReadOnlyList<double> HourlyWeights)
{
    public static DailyShape Flat { get; } = new("flat", Enumerable.Repeat(1.0, 24).ToArray());

    /// <summary>Most traffic 08:00–18:00, a tenth of it at night: an internal assistant.</summary>
    public static DailyShape BusinessHours { get; } = new("business-hours", Enumerable.Range(0, 24).Select(hour => hour is >= 8 and < 18 ? 1.0 : 0.1).ToArray());

    /// <summary>A consumer app: quiet at night, rising through the day, peaking 19:00–22:00.</summary>
    public static DailyShape EveningPeak { get; } = new("evening-peak",
        [0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 0.6, 0.7, 0.7, 0.7, 0.8, 0.9, 0.8, 0.8, 0.8, 0.9, 1.0, 1.3, 1.8, 2.0, 1.8, 1.2, 0.6]);

    public static IReadOnlyList<DailyShape> Named { get; } = [Flat, BusinessHours, EveningPeak];

    /// <summary>Each hour's share of the day's requests; sums to 1.</summary>
    public IReadOnlyList<double> HourlyShares
    {
        get
        {
            var total = HourlyWeights.Sum();
            return HourlyWeights.Select(weight => weight / total).ToArray();
        }
    }

    /// <summary>The busiest hour's rate over the day's mean rate.</summary>
    public double PeakToMean => HourlyWeights.Max() / HourlyWeights.Average();

    /// <summary>A shape's name, or 24 comma-separated weights.</summary>
    public static DailyShape Parse(string text, string name)
    {
        var named = Named.FirstOrDefault(shape => string.Equals(shape.Name, text.Trim(), StringComparison.OrdinalIgnoreCase));
        if (named is not null)
        {
            return named;
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 24)
        {
            throw new AdvisorInputException(
                $"{name}: '{text}' is neither a named shape ({string.Join(", ", Named.Select(shape => shape.Name))}) nor 24 comma-separated hourly weights.");
        }

        var weights = parts.Select(part => Units.ParseNumber(part, name)).ToArray();
        if (weights.Sum() <= 0)
        {
            throw new AdvisorInputException($"{name}: the 24 hourly weights add up to zero; at least one hour must carry traffic.");
        }

        return new DailyShape(string.Join(",", weights.Select(weight => weight.ToString(CultureInfo.InvariantCulture))), weights);
    }
}
