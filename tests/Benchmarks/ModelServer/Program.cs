using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ReferenceArchitectures.Benchmarks.ModelServer;
using ReferenceArchitectures.Embeddings;

// Pattern 2's benchmark: the model server against raw ONNX Runtime, in short interleaved runs. Prints a Markdown
// report; README quotes it. The load comes from `hey` (Debian: apt-get install hey), a process of its own.
//   dotnet run -c Release --project tests/Benchmarks/ModelServer [-- --repeats 3 --rounds 11 --one-client-rounds 21 --seconds 2 --clients 1,16,64 --texts 1,16]
var settings = BenchmarkSettings.Parse(args);
if (Pinning.ShouldRestartPinned(settings))
{
    // The measured side (the server, or the raw loop in this process) gets the first cores, hey the others: the load
    // generator no longer takes CPU from what it measures, and raw and server run on the same cores.
    return await Pinning.RestartPinnedAsync(settings, args);
}

var root = RepositoryRoot();
var sentences = File.ReadLines(Path.Combine(root, "tests", "Embeddings.Tests", "TestData", "stsb", "sts-test.tsv"))
    .Skip(1).SelectMany(line => line.Split('\t').Skip(1)).ToArray();

if (double.TryParse(Load.Average().Split(' ')[0], CultureInfo.InvariantCulture, out var load) && load > 0.5)
{
    // On a busy machine the scheduler favours the mostly idle server over the busy raw loop, and the ratios drift.
    Console.Error.WriteLine($"warning: load average {Load.Average()}: other work is running, so the figures will be noisy.");
}

if (settings.RawWindows > 0)
{
    // How steady is this machine? Raw ONNX Runtime alone in consecutive one-second windows, nothing else measured.
    using var quiet = await EmbeddingEngine.CreateAsync(EmbeddingModelSource.AllMiniLmL6V2, settings.EngineOptions(), CancellationToken.None);
    var single = Workload.ChooseTexts(quiet, sentences, 16);
    foreach (var size in new[] { 1, 16 })
    {
        RawRun.Measure(quiet, single.Take(size).ToArray(), TimeSpan.FromSeconds(1));
        var rates = Enumerable.Range(0, settings.RawWindows).Select(_ => RawRun.Measure(quiet, single.Take(size).ToArray(), TimeSpan.FromSeconds(1)).SentencesPerSecond).ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"raw batch {size}: median {Stats.Median(rates):F0}/s, min {rates.Min():F0}, max {rates.Max():F0}; windows: {string.Join(' ', rates.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))}"));
    }

    return 0;
}

var work = Directory.CreateTempSubdirectory("modelserver-bench-");
var repeats = new List<RepeatResult>();
try
{
    Console.Error.WriteLine($"publishing the server into {work.FullName} ...");
    var serverDirectory = Directory.CreateDirectory(Path.Combine(work.FullName, "server")).FullName;
    await Processes.RunAsync("dotnet", ["publish", Path.Combine(root, "containers", "ModelServer", "ReferenceArchitectures.ModelServer.csproj"), "-c", "Release", "-o", serverDirectory, "--nologo", "-v", "q"]);

    for (var repeat = 1; repeat <= settings.Repeats; repeat++)
    {
        // A fresh server process and a fresh raw engine per repeat: the repeats are as independent as separate runs.
        using var engine = await EmbeddingEngine.CreateAsync(EmbeddingModelSource.AllMiniLmL6V2, settings.EngineOptions(), CancellationToken.None);
        var texts = Workload.ChooseTexts(engine, sentences, settings.TextsPerRequest.Max());
        await using var server = await ServerProcess.StartAsync(Path.Combine(serverDirectory, "ReferenceArchitectures.ModelServer.dll"), settings);
        // A fresh process compiles its hot paths under load for a while (tiered JIT: tier 0, instrumented, tier 1); on
        // one core, beside a busy model, that takes tens of seconds. Both sides are warmed until their JIT is quiet
        // (fewer than QuietMethods methods compiled in a warm-up step), so what is measured is the steady state.
        var warmUpClock = Stopwatch.StartNew();
        foreach (var textsPerRequest in settings.TextsPerRequest)
        {
            var warmUpBody = Path.Combine(work.FullName, $"warm-up-{textsPerRequest}.json");
            await File.WriteAllTextAsync(warmUpBody, Workload.RequestBody(texts.Take(textsPerRequest).ToArray()));
            await WarmUp.UntilQuietAsync(async () =>
            {
                var before = await server.CompiledMethodsAsync();
                await HeyRun.MeasureAsync(settings, server.Address, warmUpBody, settings.Clients.Max(), textsPerRequest, TimeSpan.FromSeconds(settings.WarmUpSeconds));
                return await server.CompiledMethodsAsync() - before;
            });
        }

        var serverWarmUp = warmUpClock.Elapsed;
        warmUpClock.Restart();
        foreach (var size in new[] { 1, Math.Min(settings.MaxBatchSize, settings.Clients.Max() * settings.TextsPerRequest.Max()) })
        {
            var batch = Enumerable.Range(0, size).Select(i => texts[i % texts.Length]).ToArray();
            await WarmUp.UntilQuietAsync(() =>
            {
                var before = System.Runtime.JitInfo.GetCompiledMethodCount();
                RawRun.Measure(engine, batch, TimeSpan.FromSeconds(settings.WarmUpSeconds));
                return Task.FromResult(System.Runtime.JitInfo.GetCompiledMethodCount() - before);
            });
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"repeat {repeat}: warm-up until the JIT was quiet: server {serverWarmUp.TotalSeconds:F0} s, raw {warmUpClock.Elapsed.TotalSeconds:F0} s"));

        var levels = new List<LevelResult>();
        foreach (var textsPerRequest in settings.TextsPerRequest)
        {
            var requestTexts = texts.Take(textsPerRequest).ToArray();
            var body = Path.Combine(work.FullName, $"body-{textsPerRequest}.json");
            await File.WriteAllTextAsync(body, Workload.RequestBody(requestTexts));
            foreach (var clients in settings.Clients)
            {
                // The biggest batch this load lets the server form: raw ONNX Runtime gets the same batch size.
                var rawBatch = Enumerable.Range(0, Math.Min(clients * textsPerRequest, settings.MaxBatchSize))
                    .Select(i => requestTexts[i % requestTexts.Length]).ToArray();
                // Each round gives both sides the same work: the server a fixed number of requests (at least one per
                // client, every client the same number), sized so that it takes about --seconds at the raw rate, and raw
                // ONNX Runtime the same number of sentences. Fixed work instead of a fixed time: no request is cut off at
                // a window's end with part of its texts already run, which at 64 clients × 16 texts was a round's worth.
                var rawRate = RawRun.Measure(engine, rawBatch, TimeSpan.FromSeconds(1)).SentencesPerSecond; // also a warm-up
                var perClient = Math.Max(1, (int)Math.Round(settings.Seconds * rawRate / (clients * textsPerRequest)));
                var requests = perClient * clients;
                Console.Error.WriteLine($"repeat {repeat}: {textsPerRequest} text(s) per request, {clients} client(s), raw batches of {rawBatch.Length}, {settings.RoundsFor(clients)} rounds of {requests * textsPerRequest} sentences each side ...");
                await HeyRun.MeasureAsync(settings, server.Address, body, clients, textsPerRequest, clients); // warm-up, not counted
                var rounds = new List<RoundResult>();
                for (var round = 0; round < settings.RoundsFor(clients); round++)
                {
                    var raw = RawRun.Measure(engine, rawBatch, requests * textsPerRequest);
                    var served = await HeyRun.MeasureAsync(settings, server.Address, body, clients, textsPerRequest, requests);
                    rounds.Add(new RoundResult(raw, served));
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  raw {raw.SentencesPerSecond:F0}/s (call p50 {raw.P50Milliseconds:F2} ms), server {served.SentencesPerSecond:F0}/s (p50 {served.P50Milliseconds:F1} ms, {served.Errors} errors), ratio {served.SentencesPerSecond / raw.SentencesPerSecond:F3}"));
                }

                levels.Add(new LevelResult(textsPerRequest, clients, rawBatch.Length, rounds));
            }
        }

        repeats.Add(new RepeatResult(levels, server.IdleRssBytes, server.PeakRssBytes(), Load.Average()));
        Console.WriteLine(Report.Repeat(repeats.Count, repeats[^1], settings));
    }

    Console.WriteLine(Report.Summary(repeats, settings));
}
finally
{
    work.Delete(recursive: true);
}

return repeats.SelectMany(r => r.Levels).SelectMany(l => l.Rounds).Any(r => r.Server.Errors > 0) ? 1 : 0;

static string RepositoryRoot()
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

namespace ReferenceArchitectures.Benchmarks.ModelServer
{
    internal sealed record BenchmarkSettings(
        int Repeats, int Rounds, int OneClientRounds, int Seconds, int[] Clients, int[] TextsPerRequest, int Threads, int MaxBatchSize, bool SpinBetweenRuns, int WarmUpSeconds, string Hey, int MeasuredCores, int RawWindows)
    {
        public static BenchmarkSettings Parse(string[] args)
        {
            string Option(string name, string fallback)
            {
                var index = Array.IndexOf(args, name);
                return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
            }

            static int[] List(string value) => value.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();

            if (args.Contains("--help"))
            {
                Console.WriteLine("Options: --repeats 3 --rounds 11 --one-client-rounds 21 --seconds 2 (about, per side and round) --clients 1,16,64 --texts 1,16 --measured-cores 1 (0: no pinning) --threads <measured cores> --max-batch 32 [--spin-between-runs] --warm-up 5 (seconds per warm-up step; steps go on until the JIT is quiet) --hey hey; --raw-windows N: only raw ONNX Runtime in N one-second windows, to see how steady the machine is");
                Environment.Exit(0);
            }

            // Pinned (the default on two or more cores): the measured side on the first cores, hey on the rest. Inside
            // the pinned process ProcessorCount is already the measured cores, so the threads default follows it.
            var measuredCores = int.Parse(Option("--measured-cores", Pinning.LoadCores() is not null ? Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture) : Environment.ProcessorCount >= 2 ? "1" : "0"), CultureInfo.InvariantCulture);
            if (Pinning.LoadCores() is null && measuredCores > 0 && measuredCores >= Environment.ProcessorCount)
            {
                throw new ArgumentException($"--measured-cores {measuredCores} leaves no core for hey on this {Environment.ProcessorCount}-core machine; use 0 for no pinning.");
            }

            return new BenchmarkSettings(
                int.Parse(Option("--repeats", "3"), CultureInfo.InvariantCulture),
                int.Parse(Option("--rounds", "11"), CultureInfo.InvariantCulture),
                int.Parse(Option("--one-client-rounds", "21"), CultureInfo.InvariantCulture),
                int.Parse(Option("--seconds", "2"), CultureInfo.InvariantCulture),
                List(Option("--clients", "1,16,64")),
                List(Option("--texts", "1,16")),
                int.Parse(Option("--threads", (Pinning.LoadCores() is null && measuredCores > 0 ? measuredCores : Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
                int.Parse(Option("--max-batch", "32"), CultureInfo.InvariantCulture),
                args.Contains("--spin-between-runs"),
                int.Parse(Option("--warm-up", "5"), CultureInfo.InvariantCulture),
                Option("--hey", "hey"),
                measuredCores,
                int.Parse(Option("--raw-windows", "0"), CultureInfo.InvariantCulture));
        }

        /// <summary>
        /// Rounds for a load. A lone client gets more: its rounds differ the most from one another (0.75–0.97 within one
        /// repeat on the AMD build machine, whose speed for a lone client's model runs steps by about a millisecond for
        /// tens of seconds at a time); more rounds average over those phases.
        /// </summary>
        public int RoundsFor(int clients) => clients == 1 ? OneClientRounds : Rounds;

        /// <summary>The raw engine's settings; the server gets the same through its own settings.</summary>
        public EmbeddingEngineOptions EngineOptions() => new() { IntraOpThreads = Threads, InterOpThreads = 1, SpinBetweenRuns = SpinBetweenRuns };
    }

    /// <summary>
    /// Runs the benchmark again under <c>taskset</c> on the first <see cref="BenchmarkSettings.MeasuredCores"/> cores
    /// (what it starts inherits them: the server), and tells it which cores are hey's.
    /// </summary>
    internal static class Pinning
    {
        private const string LoadCoresVariable = "MODELSERVER_BENCHMARK_LOAD_CORES";

        /// <summary>The cores hey runs on, in a pinned run; null when the run is not pinned.</summary>
        public static string? LoadCores() => Environment.GetEnvironmentVariable(LoadCoresVariable);

        public static bool ShouldRestartPinned(BenchmarkSettings settings) => settings.MeasuredCores > 0 && LoadCores() is null;

        public static async Task<int> RestartPinnedAsync(BenchmarkSettings settings, string[] args)
        {
            var measured = $"0-{settings.MeasuredCores - 1}";
            var load = $"{settings.MeasuredCores}-{Environment.ProcessorCount - 1}";
            var self = Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark cannot find its own executable.");
            string[] command = Path.GetFileNameWithoutExtension(self) == "dotnet"
                ? ["-c", measured, self, typeof(Pinning).Assembly.Location, .. args]
                : ["-c", measured, self, .. args];
            Console.Error.WriteLine($"pinning: server and raw loop on cores {measured}, hey on cores {load}");
            using var child = Process.Start(new ProcessStartInfo("taskset", command) { Environment = { [LoadCoresVariable] = load } })!;
            await child.WaitForExitAsync();
            return child.ExitCode;
        }
    }

    internal static class Workload
    {
        /// <summary>Token count of every text used (<c>[CLS]</c> and <c>[SEP]</c> included): about 15 words.</summary>
        public const int TokensPerText = 20;

        /// <summary>
        /// Distinct STS-B sentences with the same token count, so that a batch pads nothing however the server or the
        /// raw loop groups them, and both do the same work per sentence.
        /// </summary>
        public static string[] ChooseTexts(EmbeddingEngine engine, string[] sentences, int count)
        {
            var chosen = sentences.Distinct(StringComparer.Ordinal).Where(s => engine.Tokenize(s).Length == TokensPerText).Take(count).ToArray();
            return chosen.Length == count ? chosen : throw new InvalidOperationException($"STS-B has fewer than {count} sentences of {TokensPerText} tokens.");
        }

        public static string RequestBody(string[] texts) => texts.Length == 1
            ? System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["input"] = texts[0] })
            : System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string[]> { ["input"] = texts });
    }

    internal sealed record RawResult(double SentencesPerSecond, double P50Milliseconds);

    internal sealed record ServerResult(double SentencesPerSecond, double P50Milliseconds, double P99Milliseconds, long Answered, long Errors);

    internal sealed record RoundResult(RawResult Raw, ServerResult Server)
    {
        public double Ratio => Server.SentencesPerSecond / Raw.SentencesPerSecond;
    }

    internal sealed record LevelResult(int TextsPerRequest, int Clients, int RawBatch, List<RoundResult> Rounds)
    {
        public double MedianRatio => Stats.Median(Rounds.Select(r => r.Ratio));

        public string Name => $"{(TextsPerRequest == 1 ? "1 text" : $"{TextsPerRequest} texts")}, {Clients} client{(Clients == 1 ? "" : "s")}";
    }

    internal sealed record RepeatResult(List<LevelResult> Levels, long IdleRssBytes, long PeakRssBytes, string LoadAverage);

    /// <summary>The engine alone, as the server runs it: tokenizing included, one call after another, no HTTP.</summary>
    internal static class RawRun
    {
        /// <summary>Runs whole batches until at least <paramref name="sentences"/> sentences are done.</summary>
        public static RawResult Measure(EmbeddingEngine engine, string[] batch, int sentences) =>
            Run(engine, batch, (calls, _) => calls * batch.Length < sentences);

        /// <summary>Runs whole batches for <paramref name="duration"/>.</summary>
        public static RawResult Measure(EmbeddingEngine engine, string[] batch, TimeSpan duration) =>
            Run(engine, batch, (_, elapsed) => elapsed < duration);

        private static RawResult Run(EmbeddingEngine engine, string[] batch, Func<int, TimeSpan, bool> more)
        {
            var calls = new List<double>();
            var clock = Stopwatch.StartNew();
            while (more(calls.Count, clock.Elapsed))
            {
                var started = Stopwatch.GetTimestamp();
                engine.Embed(batch, CancellationToken.None);
                calls.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            return new RawResult(calls.Count * batch.Length / clock.Elapsed.TotalSeconds, Stats.Median(calls));
        }
    }

    /// <summary>The server under <c>hey</c>: every client sends the same request, the next as soon as the answer is read.</summary>
    internal static class HeyRun
    {
        /// <summary>Sends for <paramref name="duration"/> (warm-up).</summary>
        public static Task<ServerResult> MeasureAsync(BenchmarkSettings settings, Uri server, string bodyFile, int clients, int textsPerRequest, TimeSpan duration) =>
            MeasureAsync(settings, server, bodyFile, clients, textsPerRequest, ["-z", $"{duration.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s"]);

        /// <summary>Sends <paramref name="requests"/> requests in all (a multiple of <paramref name="clients"/>) and waits for every answer.</summary>
        public static Task<ServerResult> MeasureAsync(BenchmarkSettings settings, Uri server, string bodyFile, int clients, int textsPerRequest, int requests) =>
            MeasureAsync(settings, server, bodyFile, clients, textsPerRequest, ["-n", requests.ToString(CultureInfo.InvariantCulture)]);

        private static async Task<ServerResult> MeasureAsync(BenchmarkSettings settings, Uri server, string bodyFile, int clients, int textsPerRequest, string[] amount)
        {
            string[] heyArguments =
            [
                .. amount, "-c", clients.ToString(CultureInfo.InvariantCulture),
                "-m", "POST", "-T", "application/json", "-D", bodyFile, "-t", "60", new Uri(server, "/v1/embeddings").ToString(),
            ];
            var loadCores = Pinning.LoadCores();
            var output = loadCores is null
                ? await Processes.RunAsync(settings.Hey, heyArguments)
                : await Processes.RunAsync("taskset", ["-c", loadCores, settings.Hey, .. heyArguments]);
            return HeyReport.Parse(output, textsPerRequest);
        }
    }

    /// <summary>Reads hey's summary: total time, latency percentiles (seconds, 4 decimals), status codes and errors.</summary>
    internal static class HeyReport
    {
        public static ServerResult Parse(string output, int textsPerRequest)
        {
            double total = double.NaN, p50 = double.NaN, p99 = double.NaN;
            long answered = 0, errors = 0;
            var section = "";
            foreach (var raw in output.Split('\n'))
            {
                var line = raw.Trim();
                if (line.EndsWith(':') && !line.Contains('\t', StringComparison.Ordinal))
                {
                    section = line;
                    continue;
                }

                if (line.StartsWith("Total:", StringComparison.Ordinal))
                {
                    total = Seconds(line["Total:".Length..]);
                }
                else if (line.StartsWith("50% in ", StringComparison.Ordinal))
                {
                    p50 = Seconds(line["50% in ".Length..]) * 1000;
                }
                else if (line.StartsWith("99% in ", StringComparison.Ordinal))
                {
                    p99 = Seconds(line["99% in ".Length..]) * 1000;
                }
                else if (line.StartsWith('[') && section is "Status code distribution:" or "Error distribution:")
                {
                    // "[200]\t1234 responses" or "[17]\tPost ...: connection refused"
                    var close = line.IndexOf(']', StringComparison.Ordinal);
                    var count = long.Parse(line[1..close], CultureInfo.InvariantCulture);
                    if (section == "Error distribution:")
                    {
                        errors += count;
                    }
                    else
                    {
                        var status = count;
                        var responses = long.Parse(line[(close + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                        if (status == 200)
                        {
                            answered += responses;
                        }
                        else
                        {
                            errors += responses;
                        }
                    }
                }
            }

            if (double.IsNaN(total))
            {
                throw new InvalidOperationException($"hey printed no summary:\n{output}");
            }

            return new ServerResult(answered * textsPerRequest / total, p50, p99, answered, errors);
        }

        private static double Seconds(string text) => double.Parse(text.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    internal static class WarmUp
    {
        /// <summary>A warm-up step that compiles fewer methods than this finds the JIT quiet.</summary>
        public const int QuietMethods = 20;

        /// <summary>Runs <paramref name="step"/> (which returns the methods compiled during it) until the JIT is quiet.</summary>
        public static async Task UntilQuietAsync(Func<Task<long>> step)
        {
            for (var steps = 0; steps < 60; steps++)
            {
                if (await step() < QuietMethods)
                {
                    return;
                }
            }

            throw new InvalidOperationException("The JIT was still compiling after 60 warm-up steps.");
        }
    }

    /// <summary>The published server as a child process on 127.0.0.1, with the raw engine's thread settings.</summary>
    internal sealed class ServerProcess : IAsyncDisposable
    {
        private readonly Process _process;

        private ServerProcess(Process process, Uri address, long idleRssBytes)
        {
            _process = process;
            Address = address;
            IdleRssBytes = idleRssBytes;
        }

        public Uri Address { get; }

        public long IdleRssBytes { get; }

        public long PeakRssBytes() => Memory.StatusKilobytes(_process.Id, "VmHWM:") * 1024;

        /// <summary>Methods the server's JIT has compiled so far, from its /metrics (the runtime's own meter).</summary>
        public async Task<long> CompiledMethodsAsync()
        {
            using var http = new HttpClient { BaseAddress = Address };
            var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("dotnet_jit_compiled_methods_total", StringComparison.Ordinal))
                ?? throw new InvalidOperationException("The server's /metrics has no dotnet_jit_compiled_methods_total.");
            return (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }

        public static async Task<ServerProcess> StartAsync(string dll, BenchmarkSettings settings)
        {
            var port = FreePort();
            var process = Process.Start(new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
            {
                // Its own folder as content root, as /app in the image: a busy working directory (the repository, while
                // something builds) would wake the configuration file watcher on every change there.
                WorkingDirectory = Path.GetDirectoryName(dll),
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment =
                {
                    ["Logging__LogLevel__Default"] = "Warning",
                    ["ModelServer__IntraOpThreads"] = settings.Threads.ToString(CultureInfo.InvariantCulture),
                    ["ModelServer__MaxBatchSize"] = settings.MaxBatchSize.ToString(CultureInfo.InvariantCulture),
                    ["ModelServer__SpinBetweenRuns"] = settings.SpinBetweenRuns ? "true" : "false",
                    // The raw loop runs in this process with workstation GC; the server gets the same.
                    ["DOTNET_gcServer"] = "0",
                },
            })!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    Console.Error.WriteLine($"server: {e.Data}");
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var address = new Uri($"http://127.0.0.1:{port}");
            try
            {
                await WaitUntilReadyAsync(address, process, TimeSpan.FromMinutes(3));
                return new ServerProcess(process, address, Memory.StatusKilobytes(process.Id, "VmRSS:") * 1024);
            }
            catch
            {
                process.Kill(entireProcessTree: true);
                process.Dispose();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }

        private static async Task WaitUntilReadyAsync(Uri address, Process server, TimeSpan limit)
        {
            using var http = new HttpClient { BaseAddress = address };
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < limit)
            {
                if (server.HasExited)
                {
                    throw new InvalidOperationException($"The server exited with code {server.ExitCode} before it was ready.");
                }

                try
                {
                    using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
                    if (response.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }

                await Task.Delay(200);
            }

            throw new TimeoutException($"The server was not ready after {limit}.");
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }

    internal static class Memory
    {
        public static long StatusKilobytes(int pid, string field)
        {
            var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
            return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
    }

    internal static class Load
    {
        public static string Average() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
    }

    internal static class Processes
    {
        /// <summary>Runs a command to its end and returns what it printed; a failure throws with its output.</summary>
        public static async Task<string> RunAsync(string file, string[] arguments)
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}\n{await errors}");
            }

            return await output;
        }
    }

    internal static class Stats
    {
        public static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length == 0 ? double.NaN
                : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
                : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }
}
