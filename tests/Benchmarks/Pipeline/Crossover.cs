using ReferenceArchitectures.Documents;

namespace ReferenceArchitectures.Benchmarks.Pipeline;

/// <summary>Medians over the runs of one path on one document.</summary>
public sealed record RunMedians(double Seconds, double AnalysisSeconds, double EmbeddingSeconds, ModelCallCount Model)
{
    public static RunMedians Of(IReadOnlyList<PathRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0)
        {
            throw new ArgumentException("There must be at least one run.", nameof(runs));
        }

        return new RunMedians(
            Median(runs.Select(r => r.Seconds)),
            Median(runs.Select(r => r.AnalysisSeconds)),
            Median(runs.Select(r => r.EmbeddingSeconds)),
            // The same document always takes the same calls; only their timing varies.
            runs[^1].Model);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}

/// <summary>One path on one document: with the model answering at once (this machine's work) and with the modelled latency.</summary>
public sealed record PathFigures(ProcessingPath Path, BenchmarkDocument Document, RunMedians Instant, RunMedians Modelled)
{
    /// <summary>
    /// Time the analysis spent waiting on the model: the modelled run less the instant one, each without its
    /// embedding time, which is the same work in both and would only add its noise.
    /// </summary>
    public double ModelWaitSeconds => Math.Max(0, (Modelled.AnalysisSeconds - Modelled.EmbeddingSeconds) - (Instant.AnalysisSeconds - Instant.EmbeddingSeconds));
}

/// <summary>Where a measure (MiB of text, or PDF pages) stops suiting the light path, and why.</summary>
/// <param name="BudgetLimit">Size at which the analyze function reaches its time budget.</param>
/// <param name="Crossover">Size from which the heavy path, Fargate start included, finishes first.</param>
/// <param name="BudgetLimitWithSlowerModel">The budget limit if every model call took twice as long.</param>
public sealed record ThresholdEstimate(Estimate? BudgetLimit, Estimate? Crossover, Estimate? BudgetLimitWithSlowerModel)
{
    /// <summary>The smaller of the two limits: the light path is both safe and the better choice below it.</summary>
    public Estimate? Threshold => (BudgetLimit, Crossover) switch
    {
        (null, var c) => c,
        (var b, null) => b,
        (var b, var c) => b!.Value <= c!.Value ? b : c,
    };
}

/// <summary>A size, and whether it lies outside the measured sizes (a straight-line extrapolation).</summary>
public sealed record Estimate(double Value, bool Extrapolated);

/// <summary>
/// The routing crossover. The light path is measured as the analyze function's time in Lambda: this machine's work,
/// scaled by the share of a vCPU the function's memory buys, plus the time spent waiting on the model. The heavy path
/// is the worker's run plus the Fargate start. Preprocess and Store are the same functions on both paths, so they
/// do not move the crossover and are left out of it.
/// </summary>
public sealed class Crossover(double budgetSeconds, double lambdaCpuFactor, double fargateStartSeconds)
{
    /// <summary>
    /// Lambda gives a function the equivalent of one vCPU at 1,769 MB and CPU in proportion to memory
    /// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).
    /// </summary>
    public const double MegabytesPerLambdaVcpu = 1769;

    public static double LambdaCpuFactor(int memoryMb) => Math.Max(1, MegabytesPerLambdaVcpu / memoryMb);

    public double BudgetSeconds => budgetSeconds;

    public double LightAnalyzeSeconds(PathFigures light, double modelSlowdown = 1)
    {
        ArgumentNullException.ThrowIfNull(light);
        return (light.Instant.AnalysisSeconds * lambdaCpuFactor) + (light.ModelWaitSeconds * modelSlowdown);
    }

    public double HeavySeconds(PathFigures heavy)
    {
        ArgumentNullException.ThrowIfNull(heavy);
        return fargateStartSeconds + heavy.Modelled.AnalysisSeconds;
    }

    /// <param name="series">Light and heavy figures of one document kind, with the measure each is compared on.</param>
    public ThresholdEstimate Estimate(IReadOnlyList<(double Size, PathFigures Light, PathFigures Heavy)> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var ordered = series.OrderBy(p => p.Size).ToList();
        return new ThresholdEstimate(
            FirstReaching([.. ordered.Select(p => (p.Size, LightAnalyzeSeconds(p.Light)))], budgetSeconds),
            FirstReaching([.. ordered.Select(p => (p.Size, LightAnalyzeSeconds(p.Light) - HeavySeconds(p.Heavy)))], 0),
            FirstReaching([.. ordered.Select(p => (p.Size, LightAnalyzeSeconds(p.Light, modelSlowdown: 2)))], budgetSeconds));
    }

    /// <summary>
    /// The first size at which <c>y</c> reaches <paramref name="level"/>: interpolated between measured sizes, or
    /// extrapolated along the last segment beyond them; null when the trend never gets there.
    /// </summary>
    public static Estimate? FirstReaching(IReadOnlyList<(double X, double Y)> points, double level)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0)
        {
            return null;
        }

        if (points[0].Y >= level)
        {
            // Already there at the smallest size: the answer lies below the measured range.
            return points[0].Y <= 0 ? null : new Estimate(points[0].X * Math.Clamp(level / points[0].Y, 0, 1), Extrapolated: true);
        }

        for (var i = 1; i < points.Count; i++)
        {
            var (x0, y0) = points[i - 1];
            var (x1, y1) = points[i];
            if (y1 >= level)
            {
                return new Estimate(x0 + ((x1 - x0) * (level - y0) / (y1 - y0)), Extrapolated: false);
            }
        }

        if (points.Count < 2)
        {
            return null;
        }

        var (xa, ya) = points[^2];
        var (xb, yb) = points[^1];
        var slope = (yb - ya) / (xb - xa);
        return slope <= 0 ? null : new Estimate(xb + ((level - yb) / slope), Extrapolated: true);
    }
}
