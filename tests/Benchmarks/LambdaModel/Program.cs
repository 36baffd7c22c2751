using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using ReferenceArchitectures.Benchmarks.LambdaModel;
using ReferenceArchitectures.Cdk.LambdaModel;
using ReferenceArchitectures.Testing.LocalRuntimeApi;
using ReferenceArchitectures.Testing.StackTemplates;

// The Lambda-hosted model's benchmark: the Native AOT function, as the stack configures it for each memory size, started
// against a local Runtime API in a cgroup that gives it the CPU and memory Lambda gives that size; then the same
// requests to the model server (pattern 2) in a cgroup of one vCPU, a Fargate task's. Prints a Markdown report.
//   dotnet run -c Release --project tests/Benchmarks/LambdaModel [-- --memory 512,1024,1769,3008 --starts 5 --warm 300 --repeats 3 --json FILE]
// Each repeat measures every size and then the server afresh; the report gives each figure's median over the repeats and
// each repeat's ratio of the function's warm mean to the server's, so a drifting machine shows. --json writes the
// medians the advisor prices pattern 5 with (tools/Advisor/measured/lambda-model.json).
// Needs Linux with cgroup v1's cpu and memory controllers (it writes under /sys/fs/cgroup, so run it as root) and `hey`
// (Debian: apt-get install hey) for the server's load.
var memorySizes = Options.List(args, "--memory", [512, 1024, 1769, 3008]);
var starts = Options.Int(args, "--starts", 5);
var warmRequests = Options.Int(args, "--warm", 300);
var repeats = Options.Int(args, "--repeats", 3);
var jsonPath = Options.Text(args, "--json");
var root = Options.RepositoryRoot();
var work = Directory.CreateTempSubdirectory("lambda-model-bench-");
try
{
    Console.Error.WriteLine($"publishing the function (Native AOT) and the model server into {work.FullName} ...");
    var function = Path.Combine(work.FullName, "function");
    await Processes.RunAsync("dotnet", ["publish", Path.Combine(root, LambdaModelStack.FunctionProjectPath), "-c", "Release", "-r", "linux-x64",
        "-p:PublishAot=true", "-o", function, "--artifacts-path", function + "-build", "--nologo", "-v", "q"]);
    foreach (var debugFile in Directory.EnumerateFiles(function, "*.dbg").Concat(Directory.EnumerateFiles(function, "*.pdb")))
    {
        File.Delete(debugFile); // as DotNetAotCode ships it
    }

    File.Move(Path.Combine(function, "EmbeddingsFunction"), Path.Combine(function, "bootstrap"));
    var server = Path.Combine(work.FullName, "server");
    await Processes.RunAsync("dotnet", ["publish", Path.Combine(root, "containers", "ModelServer", "ReferenceArchitectures.ModelServer.csproj"),
        "-c", "Release", "-o", server, "--nologo", "-v", "q"]);

    var single = Workload.Event("/v1/embeddings", Workload.Body(1));
    var batch = Workload.Event("/v1/embeddings", Workload.Body(16));
    var runs = new List<(IReadOnlyList<SizeResult> Sizes, ServerResult Server)>();
    for (var repeat = 1; repeat <= repeats; repeat++)
    {
        var results = new List<SizeResult>();
        foreach (var memory in memorySizes)
        {
            // The function's environment and memory come from the stack synthesized with this memory size.
            var template = new StackTemplate(StackSynthesis.Template(app =>
                new LambdaModelStack(app, LambdaModelStack.ConstructId, new LambdaModelStackProps { MemorySizeMb = memory })));
            var configured = template.RouteFunction("POST " + LambdaModelStack.EmbeddingsRoutePath);
            using var limits = CpuAndMemory.ForLambda(memory);
            var colds = new List<ColdStart>();
            Warm? warm = null;
            for (var start = 0; start < starts; start++)
            {
                await using var environment = await FunctionEnvironment.StartAsync(function, configured, limits);
                colds.Add(await environment.FirstAnswerAsync(single));
                if (start == starts - 1)
                {
                    warm = await environment.WarmAsync(single, batch, warmRequests);
                }
            }

            results.Add(new SizeResult(memory, configured.Environment["EMBEDDINGS_INTRA_OP_THREADS"], limits.Vcpus, colds, warm!, limits.PeakMemoryBytes()));
            Console.Error.WriteLine($"repeat {repeat}: {memory} MB done");
        }

        using var serverLimits = CpuAndMemory.ForTask(vcpus: 1, memoryMiB: 2048);
        runs.Add((results, await ServerRun.MeasureAsync(server, serverLimits, warmRequests)));
        Console.Error.WriteLine($"repeat {repeat}: server done");
    }

    var package = PackageSize.Measure(function);
    Console.WriteLine(Report.Write(runs, package, starts, warmRequests));
    if (jsonPath is not null)
    {
        await File.WriteAllTextAsync(jsonPath, Report.Json(runs, package, starts, warmRequests));
        Console.Error.WriteLine($"wrote {jsonPath}");
    }
}
finally
{
    work.Delete(recursive: true);
}

return 0;

namespace ReferenceArchitectures.Benchmarks.LambdaModel
{
    internal sealed record ColdStart(double InitMilliseconds, double FirstAnswerMilliseconds);

    internal sealed record Warm(double P50Milliseconds, double P99Milliseconds, double MeanMilliseconds, double SingleTextsPerSecond, double BatchedTextsPerSecond);

    internal sealed record SizeResult(int MemoryMb, string Threads, double Vcpus, IReadOnlyList<ColdStart> Colds, Warm Warm, long PeakMemoryBytes);

    internal sealed record ServerResult(double P50Milliseconds, double P99Milliseconds, double MeanMilliseconds, double SingleTextsPerSecond, double ConcurrentTextsPerSecond, double ReadyMilliseconds);

    internal sealed record Package(long UnzippedBytes, long ZippedBytes, IReadOnlyList<(string Name, long Bytes)> Parts);

    /// <summary>
    /// A cgroup (v1) with a CPU quota and a memory limit. Lambda gives a function the equivalent of one vCPU at 1,769 MB
    /// and CPU in proportion to memory (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html), and ends
    /// a function that goes over its memory. Relaxed here: Lambda's init phase may get more CPU than the quota (AWS does
    /// not document it), and the quota is spread over this machine's cores, so sizes above its core count cannot be shown.
    /// </summary>
    internal sealed class CpuAndMemory : IDisposable
    {
        private readonly string _cpu;
        private readonly string _memory;

        private CpuAndMemory(string name, double vcpus, long memoryBytes)
        {
            if (vcpus > Environment.ProcessorCount)
            {
                throw new ArgumentOutOfRangeException(nameof(vcpus), vcpus, $"this machine has {Environment.ProcessorCount} cores.");
            }

            Vcpus = vcpus;
            _cpu = Directory.CreateDirectory($"/sys/fs/cgroup/cpu/{name}").FullName;
            _memory = Directory.CreateDirectory($"/sys/fs/cgroup/memory/{name}").FullName;
            File.WriteAllText(Path.Combine(_cpu, "cpu.cfs_period_us"), "100000");
            File.WriteAllText(Path.Combine(_cpu, "cpu.cfs_quota_us"), ((long)(vcpus * 100_000)).ToString(CultureInfo.InvariantCulture));
            File.WriteAllText(Path.Combine(_memory, "memory.limit_in_bytes"), memoryBytes.ToString(CultureInfo.InvariantCulture));
        }

        public double Vcpus { get; }

        public static CpuAndMemory ForLambda(int memoryMb) =>
            new($"lambda-model-{memoryMb}", memoryMb / (double)LambdaModelStackProps.MemoryPerVcpuMb, memoryMb * 1024L * 1024);

        public static CpuAndMemory ForTask(double vcpus, int memoryMiB) =>
            new($"lambda-model-task-{vcpus}", vcpus, memoryMiB * 1024L * 1024);

        /// <summary>A command that joins this cgroup, then runs <paramref name="command"/> in its place.</summary>
        public ProcessStartInfo Wrap(string command, IEnumerable<string> arguments)
        {
            var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"echo $$ > {_cpu}/tasks && echo $$ > {_memory}/tasks && exec \"$0\" \"$@\"");
            start.ArgumentList.Add(command);
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            return start;
        }

        public long PeakMemoryBytes() => long.Parse(File.ReadAllText(Path.Combine(_memory, "memory.max_usage_in_bytes")).Trim(), CultureInfo.InvariantCulture);

        public void ResetPeak() => File.WriteAllText(Path.Combine(_memory, "memory.max_usage_in_bytes"), "0");

        public void Dispose()
        {
            foreach (var folder in new[] { _cpu, _memory })
            {
                try
                {
                    Directory.Delete(folder);
                }
                catch (IOException)
                {
                    // A process that has not exited yet still holds it; the next run reuses it.
                }
            }
        }
    }

    /// <summary>One execution environment: the function's process, from its first instruction, with its Runtime API.</summary>
    internal sealed class FunctionEnvironment : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly Stopwatch _sinceStart;

        private FunctionEnvironment(Process process, LocalRuntimeApi runtimeApi, Stopwatch sinceStart, DateTimeOffset started)
        {
            _process = process;
            RuntimeApi = runtimeApi;
            _sinceStart = sinceStart;
            Started = started;
        }

        public LocalRuntimeApi RuntimeApi { get; }

        public DateTimeOffset Started { get; }

        public static async Task<FunctionEnvironment> StartAsync(string folder, TemplateFunction function, CpuAndMemory limits)
        {
            var runtimeApi = await LocalRuntimeApi.StartAsync();
            var start = limits.Wrap(Path.Combine(folder, "bootstrap"), []);
            start.WorkingDirectory = folder;
            foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
            {
                start.Environment.Remove(name);
            }

            foreach (var (name, value) in function.LambdaEnvironment(new Dictionary<string, string>
            {
                ["AWS_LAMBDA_RUNTIME_API"] = runtimeApi.Address,
                ["AWS_REGION"] = StackTemplate.Region,
                ["LAMBDA_TASK_ROOT"] = folder,
            }))
            {
                start.Environment[name] = value;
            }

            limits.ResetPeak();
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return new FunctionEnvironment(process, runtimeApi, clock, started);
        }

        /// <summary>Init (process start to the runtime's first request for work) and process start to the first answer.</summary>
        public async Task<ColdStart> FirstAnswerAsync(byte[] payload)
        {
            var answer = await RuntimeApi.InvokeAsync(payload, TimeSpan.FromMinutes(2));
            var total = _sinceStart.Elapsed.TotalMilliseconds;
            Workload.RequireOk(answer);
            var init = (RuntimeApi.FirstNextRequestedAt!.Value - Started).TotalMilliseconds;
            return new ColdStart(init, total);
        }

        /// <summary>One request at a time, as Lambda sends them to one environment: single texts, then batches of 16.</summary>
        public async Task<Warm> WarmAsync(byte[] single, byte[] batch, int requests)
        {
            var latencies = new double[requests];
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < requests; i++)
            {
                var one = Stopwatch.StartNew();
                Workload.RequireOk(await RuntimeApi.InvokeAsync(single, TimeSpan.FromMinutes(1)));
                latencies[i] = one.Elapsed.TotalMilliseconds;
            }

            var singleRate = requests / clock.Elapsed.TotalSeconds;
            var batches = Math.Max(5, requests / 16);
            clock.Restart();
            for (var i = 0; i < batches; i++)
            {
                Workload.RequireOk(await RuntimeApi.InvokeAsync(batch, TimeSpan.FromMinutes(1)));
            }

            var batchRate = batches * 16 / clock.Elapsed.TotalSeconds;
            var mean = latencies.Average();
            Array.Sort(latencies);
            return new Warm(latencies[requests / 2], latencies[(int)Math.Ceiling(requests * 0.99) - 1], mean, singleRate, batchRate);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            await RuntimeApi.DisposeAsync();
        }
    }

    /// <summary>The model server in a one-vCPU cgroup (a Fargate task's CPU), loaded by <c>hey</c> from outside it.</summary>
    internal static class ServerRun
    {
        public static async Task<ServerResult> MeasureAsync(string folder, CpuAndMemory limits, int requests)
        {
            var port = 18000 + Random.Shared.Next(1000);
            var start = limits.Wrap("dotnet", [Path.Combine(folder, "ReferenceArchitectures.ModelServer.dll")]);
            start.WorkingDirectory = folder;
            start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
            start.Environment["ModelServer__IntraOpThreads"] = "1";
            start.Environment["DOTNET_gcServer"] = "0";
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                using var http = new HttpClient();
                while (!await ReadyAsync(http, port))
                {
                    await Task.Delay(50);
                }

                var ready = clock.Elapsed.TotalMilliseconds;
                var body = Path.GetTempFileName();
                await File.WriteAllTextAsync(body, Workload.Body(1));
                var url = $"http://127.0.0.1:{port}/v1/embeddings";
                // Warm-up until the tiered JIT has compiled the hot paths (see the model server's own benchmark).
                await Hey.RunAsync(["-z", "60s", "-c", "16", "-m", "POST", "-T", "application/json", "-D", body, url]);
                var lone = await Hey.RunAsync(["-n", requests.ToString(CultureInfo.InvariantCulture), "-c", "1", "-m", "POST", "-T", "application/json", "-D", body, url]);
                var busy = await Hey.RunAsync(["-n", (requests * 4).ToString(CultureInfo.InvariantCulture), "-c", "16", "-m", "POST", "-T", "application/json", "-D", body, url]);
                File.Delete(body);
                return new ServerResult(lone.P50Milliseconds, lone.P99Milliseconds, lone.MeanMilliseconds, lone.RequestsPerSecond, busy.RequestsPerSecond, ready);
            }
            finally
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        private static async Task<bool> ReadyAsync(HttpClient http, int port)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health/ready"));
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }
    }

    internal static class Hey
    {
        public static async Task<(double P50Milliseconds, double P99Milliseconds, double MeanMilliseconds, double RequestsPerSecond)> RunAsync(string[] arguments)
        {
            var output = await Processes.RunAsync("hey", arguments);
            // hey's summary: "  Average:\t0.0112 secs", its distribution: "  50% in 0.0105 secs".
            double Seconds(string label) => double.Parse(output.Split('\n').First(line => line.Contains(label, StringComparison.Ordinal))
                .Trim().Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[^2], CultureInfo.InvariantCulture) * 1000;
            var rate = double.Parse(output.Split('\n').First(line => line.Contains("Requests/sec:", StringComparison.Ordinal))
                .Split(':')[1].Trim(), CultureInfo.InvariantCulture);
            return (Seconds("50% in"), Seconds("99% in"), Seconds("Average:"), rate);
        }
    }

    internal static class Workload
    {
        // A 20-token STS-B-like sentence, so that both hosts do the same work per text.
        private const string Sentence = "A man is playing a flute in front of a small crowd of people on a sunny day.";

        public static string Body(int texts) => JsonSerializer.Serialize(new { input = Enumerable.Repeat(Sentence, texts).ToArray() });

        public static byte[] Event(string path, string body) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            version = "2.0",
            rawPath = path,
            headers = new Dictionary<string, string> { ["content-type"] = "application/json" },
            requestContext = new { requestId = "bench", http = new { method = "POST", path } },
            body,
            isBase64Encoded = false,
        }));

        public static void RequireOk(InvocationResult result)
        {
            using var answer = JsonDocument.Parse(result.Body);
            if (result.IsError || answer.RootElement.GetProperty("statusCode").GetInt32() != 200)
            {
                throw new InvalidOperationException($"the function did not answer 200: {Encoding.UTF8.GetString(result.Body)}");
            }
        }
    }

    internal static class PackageSize
    {
        /// <summary>The deployment package as the CDK ships it: the publish folder, zipped.</summary>
        public static Package Measure(string folder)
        {
            var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(file => new FileInfo(file)).ToList();
            using var zipped = new MemoryStream();
            using (var archive = new ZipArchive(zipped, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var file in files)
                {
                    archive.CreateEntryFromFile(file.FullName, Path.GetRelativePath(folder, file.FullName), CompressionLevel.Optimal);
                }
            }

            return new Package(files.Sum(f => f.Length), zipped.Length,
                [.. files.OrderByDescending(f => f.Length).Select(f => (Path.GetRelativePath(folder, f.FullName), f.Length))]);
        }
    }

    internal static class Report
    {
        public static string Write(IReadOnlyList<(IReadOnlyList<SizeResult> Sizes, ServerResult Server)> runs, Package package, int starts, int requests)
        {
            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; {runs.Count} repeats of {starts} cold starts per size and {requests} warm requests; medians over the repeats.");
            text.AppendLine();
            text.AppendLine("| Memory | vCPUs (quota) | Model threads | Init, median (min–max of all starts) | First answer | Warm p50 | Warm p99 | Warm mean | Mean ÷ server's mean, per repeat | Texts/s one at a time | Texts/s in 16s | Peak memory |");
            text.AppendLine("|--:|--:|--:|---|--:|--:|--:|--:|---|--:|--:|--:|");
            foreach (var size in Sizes(runs))
            {
                var inits = size.Results.SelectMany(r => r.Colds).Select(c => c.InitMilliseconds).Order().ToList();
                var ratios = Ratios(runs, size.MemoryMb);
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {size.MemoryMb} MB | {size.Results[0].Vcpus:F2} | {size.Results[0].Threads} | {Median(inits):F0} ms ({inits[0]:F0}–{inits[^1]:F0}) | {size.FirstAnswer:F0} ms | {size.Median(w => w.P50Milliseconds):F1} ms | {size.Median(w => w.P99Milliseconds):F1} ms | {size.Median(w => w.MeanMilliseconds):F1} ms | {string.Join(" / ", ratios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))} | {size.Median(w => w.SingleTextsPerSecond):F0} | {size.Median(w => w.BatchedTextsPerSecond):F0} | {size.Results.Max(r => r.PeakMemoryBytes) / 1048576.0:F0} MiB |");
            }

            text.AppendLine();
            double Server(Func<ServerResult, double> figure) => Median([.. runs.Select(run => figure(run.Server)).Order()]);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Model server, 1 vCPU (a Fargate task's CPU), one text per request: ready {Server(s => s.ReadyMilliseconds):F0} ms after process start; 1 client p50 {Server(s => s.P50Milliseconds):F1} ms, p99 {Server(s => s.P99Milliseconds):F1} ms, mean {Server(s => s.MeanMilliseconds):F1} ms ({string.Join(" / ", runs.Select(r => r.Server.MeanMilliseconds.ToString("F1", CultureInfo.InvariantCulture)))}), {Server(s => s.SingleTextsPerSecond):F0} texts/s; 16 clients {Server(s => s.ConcurrentTextsPerSecond):F0} texts/s (batched across requests).");
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"Package: {package.UnzippedBytes / 1e6:F1} MB unzipped, {package.ZippedBytes / 1e6:F1} MB zipped; largest parts: {string.Join(", ", package.Parts.Take(3).Select(p => $"{p.Name} {p.Bytes / 1e6:F1} MB"))}.");
            return text.ToString();
        }

        /// <summary>The figures the advisor prices pattern 5 with: medians over the repeats, per memory size.</summary>
        public static string Json(IReadOnlyList<(IReadOnlyList<SizeResult> Sizes, ServerResult Server)> runs, Package package, int starts, int requests)
        {
            double Server(Func<ServerResult, double> figure) => Median([.. runs.Select(run => figure(run.Server)).Order()]);
            var document = new
            {
                measured = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                machine = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}",
                method = $"tests/Benchmarks/LambdaModel: {runs.Count} repeats of {starts} cold starts and {requests} warm one-text requests per size; medians over the repeats",
                packageUnzippedBytes = package.UnzippedBytes,
                packageZippedBytes = package.ZippedBytes,
                // The model's share of the package (its folder); the rest is the runtime: bootstrap and ONNX Runtime.
                modelBytes = package.Parts.Where(p => p.Name.StartsWith("models", StringComparison.Ordinal)).Sum(p => p.Bytes),
                server = new { vcpus = 1, meanMs = Round(Server(s => s.MeanMilliseconds)), p50Ms = Round(Server(s => s.P50Milliseconds)), p99Ms = Round(Server(s => s.P99Milliseconds)), readyMs = Round(Server(s => s.ReadyMilliseconds)) },
                sizes = Sizes(runs).Select(size => new
                {
                    memoryMb = size.MemoryMb,
                    vcpus = Round(size.Results[0].Vcpus),
                    initMs = Round(Median([.. size.Results.SelectMany(r => r.Colds).Select(c => c.InitMilliseconds).Order()])),
                    firstAnswerMs = Round(size.FirstAnswer),
                    meanMs = Round(size.Median(w => w.MeanMilliseconds)),
                    // Each repeat's function mean over the server's mean in the same repeat; the advisor prices with the median.
                    ratiosToServer = Ratios(runs, size.MemoryMb).Select(r => Math.Round(r, 3)).ToList(),
                    ratioToServer = Math.Round(Median([.. Ratios(runs, size.MemoryMb).Order()]), 3),
                    p50Ms = Round(size.Median(w => w.P50Milliseconds)),
                    p99Ms = Round(size.Median(w => w.P99Milliseconds)),
                    peakMemoryMiB = Round(size.Results.Max(r => r.PeakMemoryBytes) / 1048576.0),
                }).ToList(),
            };
            return JsonSerializer.Serialize(document, Indented) + "\n";
        }

        private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

        private static double Round(double value) => Math.Round(value, 1);

        private static List<double> Ratios(IReadOnlyList<(IReadOnlyList<SizeResult> Sizes, ServerResult Server)> runs, int memoryMb) =>
            [.. runs.Select(run => run.Sizes.Single(s => s.MemoryMb == memoryMb).Warm.MeanMilliseconds / run.Server.MeanMilliseconds)];

        private static IEnumerable<SizeFigures> Sizes(IReadOnlyList<(IReadOnlyList<SizeResult> Sizes, ServerResult Server)> runs) =>
            runs[0].Sizes.Select(first => new SizeFigures(first.MemoryMb, [.. runs.Select(run => run.Sizes.Single(s => s.MemoryMb == first.MemoryMb))]));

        internal static double Median(List<double> sorted) =>
            sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

        private sealed record SizeFigures(int MemoryMb, IReadOnlyList<SizeResult> Results)
        {
            public double FirstAnswer => Report.Median([.. Results.SelectMany(r => r.Colds).Select(c => c.FirstAnswerMilliseconds).Order()]);

            public double Median(Func<Warm, double> figure) => Report.Median([.. Results.Select(r => figure(r.Warm)).Order()]);
        }
    }

    internal static class Processes
    {
        public static async Task<string> RunAsync(string command, IEnumerable<string> arguments)
        {
            var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return process.ExitCode == 0
                ? await output
                : throw new InvalidOperationException($"{command} {string.Join(' ', start.ArgumentList)} failed ({process.ExitCode}):\n{await output}\n{await errors}");
        }
    }

    internal static class Options
    {
        public static int Int(string[] args, string name, int fallback)
        {
            var index = Array.IndexOf(args, name);
            return index < 0 ? fallback : int.Parse(args[index + 1], CultureInfo.InvariantCulture);
        }

        public static int[] List(string[] args, string name, int[] fallback)
        {
            var index = Array.IndexOf(args, name);
            return index < 0 ? fallback : [.. args[index + 1].Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))];
        }

        public static string? Text(string[] args, string name)
        {
            var index = Array.IndexOf(args, name);
            return index < 0 ? null : Path.GetFullPath(args[index + 1]);
        }

        public static string RepositoryRoot()
        {
            for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "Directory.Packages.props")))
                {
                    return folder.FullName;
                }
            }

            throw new InvalidOperationException("Run the benchmark from inside the repository.");
        }
    }
}
