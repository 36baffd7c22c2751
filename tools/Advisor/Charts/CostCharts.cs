using ReferenceArchitectures.Tools.Advisor.Estimation;
using ScottPlot;

namespace ReferenceArchitectures.Tools.Advisor.Charts;

/// <summary>The break-even chart and the per-pattern cost chart, as PNG files.</summary>
public static class CostCharts
{
    private const int Width = 900;
    private const int Height = 520;

    public static void WriteBreakEven(BreakEvenCurves curves, string path, string title)
    {
        ArgumentNullException.ThrowIfNull(curves);
        var plot = new Plot();
        var x = curves.Utilisation.Select(u => u * 100).ToArray();
        var lambda = plot.Add.ScatterLine(x, curves.LambdaUsd.ToArray());
        lambda.LegendText = curves.LambdaPattern == Pattern.LambdaModel ? "Pattern 5: Lambda running the model + HTTP API" : "Pattern 1: Lambda + HTTP API";
        lambda.LineWidth = 2.5f;
        lambda.Color = Colors.DarkOrange;
        var fargate = plot.Add.ScatterLine(x, curves.FargateUsd.ToArray());
        fargate.LegendText = "Pattern 2: Fargate tasks + ALB + NAT";
        fargate.LineWidth = 2.5f;
        fargate.Color = Colors.SteelBlue;

        if (curves.CrossoverUtilisation is { } crossover)
        {
            var cost = Interpolate(curves.Utilisation, curves.LambdaUsd, crossover);
            var marker = plot.Add.Marker(crossover * 100, cost, MarkerShape.FilledCircle, 12, Colors.Crimson);
            marker.LegendText = FormattableString.Invariant($"Crossover: {crossover * 100:0}% (${cost:N0}/month)");
            var line = plot.Add.VerticalLine(crossover * 100, 1, Colors.Crimson, LinePattern.Dashed);
            line.LegendText = string.Empty;
        }

        var profileLine = plot.Add.VerticalLine(curves.ProfileUtilisation * 100, 2, Colors.Black, LinePattern.Dotted);
        profileLine.LegendText = FormattableString.Invariant($"This profile: {curves.ProfileUtilisation * 100:0}%");

        plot.Title(title);
        plot.XLabel("Utilisation of one Fargate task (%)");
        plot.YLabel("Monthly cost (USD)");
        plot.Axes.SetLimits(0, x[^1], 0, Math.Max(curves.LambdaUsd.Max(), curves.FargateUsd.Max()) * 1.1);
        plot.ShowLegend(Alignment.UpperLeft);
        Save(plot, path);
    }

    public static void WritePatternCosts(IReadOnlyList<PatternEstimate> estimates, string path, string title)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        var plot = new Plot();
        var maximum = Math.Max(1, estimates.Where(e => e.CanRun).Select(e => e.MonthlyUsd).DefaultIfEmpty(1).Max());
        var ticks = new List<Tick>();
        for (var i = 0; i < estimates.Count; i++)
        {
            var estimate = estimates[i];
            var bar = plot.Add.Bar(position: i, value: estimate.CanRun ? estimate.MonthlyUsd : 0);
            bar.Color = estimate.CanRun ? Colors.SteelBlue : Colors.LightGray;
            var label = plot.Add.Text(estimate.CanRun ? FormattableString.Invariant($"${estimate.MonthlyUsd:N0}") : "ruled out", i, (estimate.CanRun ? estimate.MonthlyUsd : 0) + (maximum * 0.02));
            label.LabelFontSize = 14;
            label.LabelAlignment = Alignment.LowerCenter;
            ticks.Add(new Tick(i, estimate.Title));
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.SetLimits(-0.6, estimates.Count - 0.4, 0, maximum * 1.2);
        plot.Title(title);
        plot.YLabel("Monthly cost (USD)");
        Save(plot, path);
    }

    private static void Save(Plot plot, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        plot.SavePng(path, Width, Height);
    }

    private static double Interpolate(IReadOnlyList<double> x, IReadOnlyList<double> y, double at)
    {
        for (var i = 1; i < x.Count; i++)
        {
            if (x[i] >= at)
            {
                var t = (at - x[i - 1]) / (x[i] - x[i - 1]);
                return y[i - 1] + (t * (y[i] - y[i - 1]));
            }
        }

        return y[^1];
    }
}
