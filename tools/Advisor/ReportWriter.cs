using System.Globalization;
using ReferenceArchitectures.Tools.Advisor.Estimation;
using ReferenceArchitectures.Tools.Advisor.Pricing;
using ReferenceArchitectures.Tools.Advisor.Workload;

namespace ReferenceArchitectures.Tools.Advisor;

/// <summary>Prints the advisor's answer as plain text that reads well in a terminal and in a README code block.</summary>
public static class ReportWriter
{
    public static void Write(TextWriter output, WorkloadProfile profile, PriceSheet prices, IReadOnlyList<PatternEstimate> estimates, Recommendation recommendation, IReadOnlyList<string> shapeNotes)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(prices);
        ArgumentNullException.ThrowIfNull(estimates);
        ArgumentNullException.ThrowIfNull(recommendation);
        ArgumentNullException.ThrowIfNull(shapeNotes);
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"Workload: {profile.RequestsPerDay:N0} requests/day ({profile.MeanRequestsPerSecond:0.###}/s mean, {profile.Shape.Name} shape, peak {profile.Shape.PeakToMean:0.#}× mean)"));
        output.WriteLine(string.Create(c,
            $"  duration {Units.FormatDuration(profile.MeanDuration)} mean / {Units.FormatDuration(profile.P95Duration)} p95, longest {Units.FormatDuration(profile.LongestJob)}; memory {profile.MemoryMiB:0} MB, {profile.Vcpus:0.##} vCPU; payload {Units.FormatSize(profile.PayloadBytes)}"));
        output.WriteLine(string.Create(c,
            $"  GPU {(profile.NeedsGpu ? "needed" : "not needed")}; model {(profile.ModelBytes > 0 ? Units.FormatSize(profile.ModelBytes) : "hosted by Bedrock")}; {(profile.Synchronous ? "synchronous" : "asynchronous")}"));
        output.WriteLine($"Prices: {prices.Region} ({prices.RegionName}), on-demand USD, 730-hour month");
        foreach (var note in shapeNotes)
        {
            output.WriteLine($"  {note}");
        }

        foreach (var estimate in estimates)
        {
            output.WriteLine();
            if (!estimate.CanRun)
            {
                output.WriteLine($"Pattern {estimate.Title} ({estimate.StackName}): RULED OUT");
                foreach (var reason in estimate.RuledOutBy)
                {
                    output.WriteLine($"  - {reason}");
                }

                continue;
            }

            output.WriteLine(string.Create(c, $"Pattern {estimate.Title} ({estimate.StackName}): ${estimate.MonthlyUsd:N2}/month"));
            var width = estimate.LineItems.Max(item => item.Name.Length);
            foreach (var item in estimate.LineItems)
            {
                output.WriteLine(string.Create(c, $"  {item.Name.PadRight(width)}  {item.MonthlyUsd,10:N2}  {item.Quantity}"));
            }

            foreach (var note in estimate.Notes)
            {
                output.WriteLine($"  note: {note}");
            }
        }

        output.WriteLine();
        output.WriteLine(recommendation.Pattern is { } pattern ? $"Recommendation: pattern {PatternEstimate.Titles[pattern]}" : "Recommendation: none of the patterns");
        foreach (var reason in recommendation.Reasons)
        {
            output.WriteLine($"  - {reason}");
        }

        var unverified = prices.UnverifiedKeys(estimates.SelectMany(estimate => estimate.LineItems).SelectMany(item => item.PriceKeys)).ToList();
        if (unverified.Count > 0)
        {
            output.WriteLine();
            output.WriteLine($"Unverified prices used (check them on the AWS pricing pages): {string.Join(", ", unverified)}");
        }
    }
}
