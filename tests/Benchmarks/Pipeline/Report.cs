using System.Globalization;
using System.Text;
using ReferenceArchitectures.Cdk.HybridPipeline;
using ReferenceArchitectures.Documents;

namespace ReferenceArchitectures.Benchmarks.Pipeline;

/// <summary>What one benchmark run found, in the form README quotes.</summary>
public sealed record BenchmarkResult(
    BenchmarkOptions Options,
    HybridPipelineStackProps Stack,
    string Machine,
    string LoadBefore,
    string LoadAfter,
    IReadOnlyList<PathFigures> Figures,
    Crossover Crossover,
    ThresholdEstimate Bytes,
    ThresholdEstimate Pages,
    TimeSpan Elapsed);

/// <summary>The benchmark's Markdown report.</summary>
public static class Report
{
    private const double Mebibyte = 1024 * 1024;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Markdown(BenchmarkResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var (options, stack) = (result.Options, result.Stack);
        var text = new StringBuilder();
        text.AppendLine("## Pattern 4 benchmark: the light path (Lambda) and the heavy path (Fargate)");
        text.AppendLine();
        text.AppendLine(Inv, $"Machine: {result.Machine}. Load average (1, 5, 15 min) {result.LoadBefore} before and {result.LoadAfter} after; the machine is shared, so the figures carry that load. Run took {result.Elapsed.TotalMinutes:0.0} min.");
        text.AppendLine();
        text.AppendLine("Both paths run their real code in-process, one document at a time: Preprocess, then Analyze (light) or the batch worker's "
            + "`RunAsync` (heavy: parallel chunk analysis plus all-MiniLM-L6-v2 embeddings of every chunk), then Store; over local S3, DynamoDB and "
            + "SQS and a local Bedrock endpoint. Documents: Markdown prose and PDFs of dense prose (about 4,250 characters a page) from `tests/DocumentCorpus`. "
            + "Seconds per document are Preprocess + analysis + Store; documents/s is its inverse (a deployed pipeline runs documents side by side, "
            + "one function or task each, so its throughput grows with concurrency).");
        text.AppendLine();

        text.AppendLine(Inv, $"### This machine's work: the local model answers at once (median of {options.Repetitions})");
        text.AppendLine();
        text.AppendLine("| Path | Document | MiB | Model calls | s/document | documents/s | s/MiB | Embedding |");
        text.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|");
        foreach (var f in result.Figures)
        {
            var run = f.Instant;
            var embedding = f.Path == ProcessingPath.Heavy && run.AnalysisSeconds > 0
                ? string.Create(Inv, $"{run.EmbeddingSeconds:0.00} s ({run.EmbeddingSeconds / run.Seconds:P0})")
                : "none";
            text.AppendLine(Inv, $"| {PathName(f.Path)} | {f.Document.Label} | {f.Document.Megabytes:0.000} | {run.Model.Calls} | {run.Seconds:0.000} | {1 / run.Seconds:0.00} | {run.Seconds / f.Document.Megabytes:0.00} | {embedding} |");
        }

        text.AppendLine();
        text.AppendLine(Inv, $"### With a modelled model latency: {options.ModelSecondsPerCall:0.###} s per call + {options.ModelSecondsPer1kInputTokens:0.###} s per 1,000 input tokens (median of {options.ModelledRepetitions})");
        text.AppendLine();
        text.AppendLine(Inv, $"Heavy-path figures add the Fargate start ({options.FargateStartSeconds:0} s, assumed) to every document.");
        text.AppendLine();
        text.AppendLine("| Path | Document | MiB | Model calls (most at once) | Input tokens (est.) | Waiting on the model | s/document | documents/s | s/MiB |");
        text.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var f in result.Figures)
        {
            var run = f.Modelled;
            var seconds = run.Seconds + (f.Path == ProcessingPath.Heavy ? options.FargateStartSeconds : 0);
            text.AppendLine(Inv, $"| {PathName(f.Path)} | {f.Document.Label} | {f.Document.Megabytes:0.000} | {run.Model.Calls} ({run.Model.MostInFlight}) | {run.Model.EstimatedInputTokens:N0} | {f.ModelWaitSeconds:0.0} s | {seconds:0.0} | {1 / seconds:0.000} | {seconds / f.Document.Megabytes:0.0} |");
        }

        text.AppendLine();
        text.AppendLine("### The crossover, and the thresholds it sets");
        text.AppendLine();
        var cpu = Crossover.LambdaCpuFactor(stack.AnalyzeMemorySizeMb);
        text.Append(Inv, $"Light path in Lambda = this machine's analysis time × {cpu:0.00} (a {stack.AnalyzeMemorySizeMb} MB function gets {stack.AnalyzeMemorySizeMb / Crossover.MegabytesPerLambdaVcpu:0.00} of a vCPU; ");
        text.Append(Inv, $"Lambda gives one vCPU at {Crossover.MegabytesPerLambdaVcpu:0} MB) + the time waiting on the model. Its budget: the analyze function's timeout ");
        text.Append(Inv, $"({stack.AnalyzeTimeoutSeconds} s, `AnalyzeTimeoutSeconds`) / {options.SafetyFactor:0.#} = **{result.Crossover.BudgetSeconds:0} s**, far inside Lambda's 900 s. ");
        text.Append(Inv, $"Heavy path = {options.FargateStartSeconds:0} s Fargate start + the worker's run (a {stack.WorkerCpu / 1024d:0.#}-vCPU task, taken as equal to this machine). ");
        text.AppendLine("Preprocess and Store are the same on both paths and do not move the crossover. Beyond the largest document measured, sizes are extrapolated along the last segment (marked ~).");
        text.AppendLine();
        text.AppendLine("| | Bytes (Markdown series) | Pages (PDF series) |");
        text.AppendLine("|---|--:|--:|");
        text.AppendLine(Inv, $"| Light path reaches its {result.Crossover.BudgetSeconds:0} s budget at | {Size(result.Bytes.BudgetLimit, Mib)} | {Size(result.Pages.BudgetLimit, PageCount)} |");
        text.AppendLine(Inv, $"| … if every model call took twice as long | {Size(result.Bytes.BudgetLimitWithSlowerModel, Mib)} | {Size(result.Pages.BudgetLimitWithSlowerModel, PageCount)} |");
        text.AppendLine(Inv, $"| Heavy path (start included) finishes first from | {Size(result.Bytes.Crossover, Mib)} | {Size(result.Pages.Crossover, PageCount)} |");
        var bytes = RoundBytes(result.Bytes.Threshold);
        var pages = RoundPages(result.Pages.Threshold);
        var bytesText = bytes is { } b ? Mib(b / Mebibyte) : "no limit found";
        var pagesText = pages is { } p ? PageCount(p) : "no limit found";
        text.AppendLine(Inv, $"| **Threshold the benchmark supports** (rounded down) | **{bytesText}** | **{pagesText}** |");
        text.AppendLine(Inv, $"| Current default (`HybridPipelineStackProps`) | `LightMaxBytes` = {Mib(stack.LightMaxBytes / Mebibyte)} | `LightMaxPages` = {stack.LightMaxPages} |");
        text.AppendLine();
        text.AppendLine(Verdict("LightMaxBytes", stack.LightMaxBytes, bytes, v => Mib(v / Mebibyte), result.Bytes.Threshold, "--text-sizes"));
        text.AppendLine(Verdict("LightMaxPages", stack.LightMaxPages, pages, PageCount, result.Pages.Threshold, "--pdf-pages"));
        var largestPdf = result.Figures.Where(f => f.Document.Kind == DocumentKind.Pdf).MaxBy(f => f.Document.Pages);
        if (largestPdf is not null)
        {
            text.AppendLine(Inv, $"- These PDFs weigh {largestPdf.Document.Bytes / (double)largestPdf.Document.Pages / 1024:0.#} KiB a page; real PDFs with images weigh far more, and the byte rule then routes them heavy before the page rule does.");
        }

        text.AppendLine("- The light path writes no embeddings: a document routed light gets its analysis only. Raising the thresholds trades embeddings of mid-sized documents for speed and cost.");
        text.AppendLine();
        text.AppendLine("Assumptions, not measurements: the model latency per call and per input token (options `--model-seconds-per-call`, "
            + "`--model-seconds-per-1k-input-tokens`), the Fargate start (`--fargate-start-seconds`; AWS documents no fixed figure, 30–60 s is typical for a "
            + "task pulling an image of a few hundred MB), the safety factor (`--safety-factor`), and that a Lambda vCPU and a Fargate vCPU each do the work of one core of this machine.");
        return text.ToString();
    }

    private static string PathName(ProcessingPath path) => path == ProcessingPath.Light ? "light (Lambda)" : "heavy (Fargate)";

    private static string Size(Estimate? estimate, Func<double, string> format) =>
        estimate is null ? "not reached in the trend" : (estimate.Extrapolated ? "~" : "") + format(estimate.Value);

    private static string Mib(double mebibytes) => mebibytes >= 1
        ? string.Create(Inv, $"{mebibytes:0.#} MiB")
        : string.Create(Inv, $"{mebibytes * 1024:0} KiB");

    private static string PageCount(double pages) => string.Create(Inv, $"{pages:0} pages");

    /// <summary>A power of two in KiB or MiB, at most the estimate: thresholds are settings people read.</summary>
    private static long? RoundBytes(Estimate? estimate)
    {
        if (estimate is null || estimate.Value <= 0)
        {
            return null;
        }

        var bytes = (long)(estimate.Value * Mebibyte);
        var rounded = 1024L;
        while (rounded * 2 <= bytes)
        {
            rounded *= 2;
        }

        return rounded;
    }

    private static int? RoundPages(Estimate? estimate) => estimate switch
    {
        null => null,
        { Value: >= 20 } e => (int)(e.Value / 10) * 10,
        { Value: >= 5 } e => (int)(e.Value / 5) * 5,
        var e => Math.Max(1, (int)e.Value),
    };

    private static string Verdict(string setting, double current, double? supported, Func<double, string> format, Estimate? estimate, string option)
    {
        if (supported is not { } value)
        {
            return $"- `{setting}`: the measured trend sets no limit; keep the default.";
        }

        // A threshold read off a straight line beyond the measured sizes is a hint, not a finding.
        var caveat = estimate is { Extrapolated: true }
            ? $" That figure is extrapolated beyond the largest document measured: confirm it with a run whose {option} reach it before changing the default."
            : "";
        if (value < current)
        {
            return $"- `{setting}`: **lower it to {format(value)}**; at the default {format(current)} the light path is over its budget or slower than the heavy path.{caveat}";
        }

        return value >= 2 * current
            ? $"- `{setting}`: the default {format(current)} is conservative; the benchmark supports up to {format(value)} under these assumptions.{caveat}"
            : $"- `{setting}`: keep the default {format(current)}; the benchmark supports {format(value)}.{caveat}";
    }
}
