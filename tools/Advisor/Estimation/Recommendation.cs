using System.Globalization;

namespace ReferenceArchitectures.Tools.Advisor.Estimation;

/// <summary>The pattern to deploy and why.</summary>
public sealed record Recommendation(Pattern? Pattern, IReadOnlyList<string> Reasons)
{
    public static Recommendation From(IReadOnlyList<PatternEstimate> estimates, BreakEvenCurves? breakEven)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        var reasons = new List<string>();
        var runnable = estimates.Where(estimate => estimate.CanRun).OrderBy(estimate => estimate.MonthlyUsd).ToList();
        if (runnable.Count == 0)
        {
            reasons.Add("No pattern can run this workload as described; each one's limit is listed above. Split the work or relax the limit that bites.");
            return new Recommendation(null, reasons);
        }

        var best = runnable[0];
        reasons.Add(Invariant($"Pattern {best.Title}: ${best.MonthlyUsd:N2} a month, the cheapest of the {runnable.Count} pattern(s) that can run it."));
        if (runnable.Count > 1)
        {
            var next = runnable[1];
            var ratio = next.MonthlyUsd / Math.Max(best.MonthlyUsd, 0.01);
            reasons.Add(ratio < 1.1
                ? Invariant($"Pattern {next.Title} is within 10% (${next.MonthlyUsd:N2}): choose on operations instead (Lambda scales to zero and has cold starts; Fargate keeps tasks warm).")
                : Invariant($"Next: pattern {next.Title} at ${next.MonthlyUsd:N2} ({ratio:0.#}× as much)."));
        }

        if (breakEven is not null && estimates.First(e => e.Pattern == breakEven.LambdaPattern).CanRun && estimates.First(e => e.Pattern == Estimation.Pattern.FargateModel).CanRun)
        {
            var lambda = $"Lambda (pattern {PatternEstimate.Titles[breakEven.LambdaPattern]})";
            reasons.Add(breakEven.CrossoverUtilisation is { } crossover
                ? Invariant($"The load keeps one Fargate task {breakEven.ProfileUtilisation * 100:0}% busy; {lambda} costs less below {crossover * 100:0}% and Fargate above.")
                : Invariant($"The load keeps one Fargate task {breakEven.ProfileUtilisation * 100:0}% busy; {lambda} stays cheaper across the whole range charted."));
        }

        foreach (var ruledOut in estimates.Where(estimate => !estimate.CanRun))
        {
            reasons.Add($"Not pattern {ruledOut.Title}: {string.Join(" ", ruledOut.RuledOutBy)}");
        }

        return new Recommendation(best.Pattern, reasons);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
