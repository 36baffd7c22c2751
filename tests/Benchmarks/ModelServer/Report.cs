using System.Globalization;
using System.Text;

namespace ReferenceArchitectures.Benchmarks.ModelServer;

/// <summary>The Markdown the benchmark prints: one table per repeat, then the repeats side by side.</summary>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Repeat(int number, RepeatResult repeat, BenchmarkSettings settings)
    {
        var text = new StringBuilder();
        text.AppendLine(Inv, $"#### Repeat {number} (load average at its end: {repeat.LoadAverage})");
        text.AppendLine();
        var oneClient = settings.Clients.Contains(1) ? $" ({settings.OneClientRounds} at 1 client)" : "";
        text.AppendLine(Inv, $"{settings.Rounds} rounds per load{oneClient}, each the same number of sentences (about {settings.Seconds} s) for raw ONNX Runtime and then the server; medians of the rounds, ratio = server / raw of the same round.");
        text.AppendLine();
        text.AppendLine("| Load | Raw batch | Raw sentences/s | Server sentences/s | Ratio to raw: median (min–max) | Server p50 | Raw call p50 | Server p99 | Errors |");
        text.AppendLine("|---|--:|--:|--:|---|--:|--:|--:|--:|");
        foreach (var level in repeat.Levels)
        {
            var rounds = level.Rounds;
            text.AppendLine(Inv,
                $"| {level.Name} | {level.RawBatch} | {Stats.Median(rounds.Select(r => r.Raw.SentencesPerSecond)):F0} | {Stats.Median(rounds.Select(r => r.Server.SentencesPerSecond)):F0} | {RatioCell(level)} | {Stats.Median(rounds.Select(r => r.Server.P50Milliseconds)):F1} ms | {Stats.Median(rounds.Select(r => r.Raw.P50Milliseconds)):F2} ms | {Milliseconds(Stats.Median(rounds.Select(r => r.Server.P99Milliseconds)))} | {rounds.Sum(r => r.Server.Errors)} |");
        }

        text.AppendLine();
        text.AppendLine(Inv, $"Server memory (RSS): {repeat.IdleRssBytes / 1048576.0:F0} MiB ready and idle, {repeat.PeakRssBytes / 1048576.0:F0} MiB peak.");
        return text.ToString();
    }

    public static string Summary(List<RepeatResult> repeats, BenchmarkSettings settings)
    {
        var text = new StringBuilder();
        text.AppendLine(Inv, $"### Summary: {repeats.Count} repeats on {Machine()}, {Pinned(settings)}, {settings.Threads} intra-op thread{(settings.Threads == 1 ? "" : "s")} for raw and server, spinning between runs {(settings.SpinBetweenRuns ? "on" : "off")}");
        text.AppendLine();
        var header = string.Join(" | ", Enumerable.Range(1, repeats.Count).Select(i => $"Ratio, repeat {i}"));
        text.AppendLine(Inv, $"| Load | Raw batch | {header} | Spread of the medians | Server p50 / raw call p50 (at 1 client, the difference: median of the rounds' differences), per repeat | Errors |");
        text.AppendLine(Inv, $"|---|--:|{string.Concat(Enumerable.Repeat("---|", repeats.Count))}--:|---|--:|");
        for (var i = 0; i < repeats[0].Levels.Count; i++)
        {
            var levels = repeats.Select(r => r.Levels[i]).ToArray();
            var medians = levels.Select(l => l.MedianRatio).ToArray();
            var latency = string.Join("; ", levels.Select(l =>
            {
                var server = Stats.Median(l.Rounds.Select(r => r.Server.P50Milliseconds));
                var raw = Stats.Median(l.Rounds.Select(r => r.Raw.P50Milliseconds));
                if (l.Clients != 1)
                {
                    return string.Create(Inv, $"{server:F1} / {raw:F1} ms"); // the server's p50 is mostly queueing here
                }

                // Paired by round: a difference of the level's two medians would also measure the machine's drift between rounds.
                var difference = Stats.Median(l.Rounds.Select(r => r.Server.P50Milliseconds - r.Raw.P50Milliseconds));
                return string.Create(Inv, $"{server:F1} / {raw:F1} ms ({difference.ToString("+0.0;−0.0", Inv)})");
            }));
            text.AppendLine(Inv,
                $"| {levels[0].Name} | {levels[0].RawBatch} | {string.Join(" | ", levels.Select(RatioCell))} | {medians.Max() - medians.Min():F2} | {latency} | {levels.Sum(l => l.Rounds.Sum(r => r.Server.Errors))} |");
        }

        text.AppendLine();
        text.AppendLine("Load averages at the end of each repeat: " + string.Join("; ", repeats.Select(r => r.LoadAverage)) + ".");
        return text.ToString();
    }

    private static string Pinned(BenchmarkSettings settings) => Pinning.LoadCores() is { } load
        ? $"server and raw loop pinned to {settings.MeasuredCores} core{(settings.MeasuredCores == 1 ? "" : "s")}, hey on core(s) {load}"
        : "not pinned (server, raw loop and hey share every core)";

    private static string Milliseconds(double value) => double.IsNaN(value) ? "–" : string.Create(Inv, $"{value:F1} ms");

    private static string RatioCell(LevelResult level) =>
        string.Create(Inv, $"{level.MedianRatio:F2} ({level.Rounds.Min(r => r.Ratio):F2}–{level.Rounds.Max(r => r.Ratio):F2})");

    private static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var cores = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").Count(l => l.StartsWith("processor", StringComparison.Ordinal)) : Environment.ProcessorCount;
        return $"{cores} cores ({cpu ?? "unknown CPU"}), {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }
}
