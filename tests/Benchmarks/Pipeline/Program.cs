using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ReferenceArchitectures.Benchmarks.Pipeline;
using ReferenceArchitectures.Cdk.HybridPipeline;
using ReferenceArchitectures.Documents;
using ReferenceArchitectures.Embeddings;

// Pattern 4's benchmark. Prints a Markdown report on stdout (progress on stderr); README quotes it.
//   dotnet run -c Release --project tests/Benchmarks/Pipeline [-- --help | options]
if (args.Contains("--help"))
{
    Console.WriteLine(BenchmarkOptions.Usage);
    return 0;
}

BenchmarkOptions options;
try
{
    options = BenchmarkOptions.Parse(args);
}
catch (ArgumentException error)
{
    await Console.Error.WriteLineAsync(error.Message + Environment.NewLine + BenchmarkOptions.Usage);
    return 2;
}

using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};
var ct = stopping.Token;

var stack = new HybridPipelineStackProps();
var started = Stopwatch.GetTimestamp();
var loadBefore = LoadAverage();

Progress("generating documents ...");
List<BenchmarkDocument> documents =
[
    .. options.TextSizesBytes.Select(BenchmarkDocument.Markdown),
    .. options.PdfPages.Select(BenchmarkDocument.Pdf),
];

Progress("loading all-MiniLM-L6-v2 ...");
using var engine = await EmbeddingEngine.CreateAsync(EmbeddingModelSource.AllMiniLmL6V2, new EmbeddingEngineOptions(), ct);
await using var paths = await PipelinePaths.StartAsync(stack, engine, ct);

// One uncounted run of each path first, so that JIT compilation and first-use costs stay out of the figures.
var smallest = documents.MinBy(d => d.Bytes)!;
await paths.RunAsync(ProcessingPath.Light, smallest, ct);
await paths.RunAsync(ProcessingPath.Heavy, smallest, ct);

ProcessingPath[] pathsToRun = [ProcessingPath.Light, ProcessingPath.Heavy];
var instant = await RunAllAsync(new ModelledModel(ModelLatency.Instant), options.Repetitions, "model answering at once");
var modelled = await RunAllAsync(new ModelledModel(new ModelLatency(options.ModelSecondsPerCall, options.ModelSecondsPer1kInputTokens)), options.ModelledRepetitions, "modelled model latency");

var figures = documents
    .SelectMany(d => pathsToRun.Select(p => new PathFigures(p, d, RunMedians.Of(instant[(p, d)]), RunMedians.Of(modelled[(p, d)]))))
    .ToList();
var crossover = new Crossover(stack.AnalyzeTimeoutSeconds / options.SafetyFactor, Crossover.LambdaCpuFactor(stack.AnalyzeMemorySizeMb), options.FargateStartSeconds);
var result = new BenchmarkResult(
    options,
    stack,
    Machine(),
    loadBefore,
    LoadAverage(),
    figures,
    crossover,
    crossover.Estimate(Series(DocumentKind.Text, d => d.Megabytes)),
    crossover.Estimate(Series(DocumentKind.Pdf, d => d.Pages)),
    Stopwatch.GetElapsedTime(started));
Console.WriteLine(Report.Markdown(result));
return 0;

async Task<Dictionary<(ProcessingPath, BenchmarkDocument), List<PathRun>>> RunAllAsync(ModelledModel model, int repetitions, string what)
{
    paths.UseModel(model);
    var runs = new Dictionary<(ProcessingPath, BenchmarkDocument), List<PathRun>>();
    foreach (var document in documents)
    {
        foreach (var path in pathsToRun)
        {
            Progress($"{what}: {path.ToString().ToLowerInvariant()} path, {document.Label}, {repetitions} run(s) ...");
            var list = runs[(path, document)] = [];
            for (var i = 0; i < repetitions; i++)
            {
                list.Add(await paths.RunAsync(path, document, ct));
            }
        }
    }

    return runs;
}

List<(double Size, PathFigures Light, PathFigures Heavy)> Series(DocumentKind kind, Func<BenchmarkDocument, double> measure) =>
[
    .. documents.Where(d => d.Kind == kind).Select(d => (
        measure(d),
        figures.Single(f => f.Document == d && f.Path == ProcessingPath.Light),
        figures.Single(f => f.Document == d && f.Path == ProcessingPath.Heavy))),
];

static void Progress(string message) => Console.Error.WriteLine(message);

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

static string Machine()
{
    var cpu = File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
        : null;
    return string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} cores ({cpu ?? "unknown CPU"}), {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
}
