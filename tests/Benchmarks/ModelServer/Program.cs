using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ReferenceArchitectures.Benchmarks.ModelServer;
using ReferenceArchitectures.Embeddings;

// Pattern 2's benchmark. Prints a Markdown report; README quotes it.
//   dotnet run -c Release --project tests/Benchmarks/ModelServer [-- --seconds 20 --clients 1,16,64]
var seconds = int.Parse(Option(args, "--seconds", "20"), CultureInfo.InvariantCulture);
var clientLevels = Option(args, "--clients", "1,16,64").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
var root = RepositoryRoot();
var sentences = File.ReadLines(Path.Combine(root, "tests", "Embeddings.Tests", "TestData", "stsb", "sts-test.tsv"))
    .Skip(1).SelectMany(line => line.Split('\t').Skip(1)).ToArray();
var duration = TimeSpan.FromSeconds(seconds);

Console.Error.WriteLine($"raw ONNX Runtime, batches of 32, {seconds} s ...");
var raw = await RawThroughput.MeasureAsync(sentences, duration);

var work = Directory.CreateTempSubdirectory("modelserver-bench-");
Console.Error.WriteLine($"publishing the server into {work.FullName} ...");
await Processes.RunAsync("dotnet", ["publish", Path.Combine(root, "containers", "ModelServer", "ReferenceArchitectures.ModelServer.csproj"), "-c", "Release", "-o", work.FullName, "--nologo", "-v", "q"]);

var port = FreePort();
using var server = Process.Start(new ProcessStartInfo("dotnet", [Path.Combine(work.FullName, "ReferenceArchitectures.ModelServer.dll"), "--urls", $"http://127.0.0.1:{port}"])
{
    RedirectStandardOutput = true,
    RedirectStandardError = true,
    Environment = { ["Logging__LogLevel__Default"] = "Warning", ["DOTNET_gcServer"] = "0" },
})!;
server.OutputDataReceived += (_, _) => { };
server.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"server: {e.Data}"); } };
server.BeginOutputReadLine();
server.BeginErrorReadLine();

var levels = new List<LoadResult>();
try
{
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        Timeout = TimeSpan.FromSeconds(60),
    };
    await Load.WaitUntilReadyAsync(http, server, TimeSpan.FromMinutes(3));
    var idleRss = Memory.CurrentRssBytes(server.Id);
    foreach (var clients in clientLevels)
    {
        Console.Error.WriteLine($"server, {clients} concurrent clients, {seconds} s ...");
        await Load.RunAsync(http, sentences, clients, TimeSpan.FromSeconds(2)); // warm-up, not counted
        levels.Add(await Load.RunAsync(http, sentences, clients, duration));
    }

    var peakRss = Memory.PeakRssBytes(server.Id);
    // Raw throughput again with the server idle, so drift on a shared machine shows instead of skewing the ratio.
    Console.Error.WriteLine($"raw ONNX Runtime again, {seconds} s ...");
    var rawAfter = await RawThroughput.MeasureAsync(sentences, duration);
    Console.WriteLine(Report.Markdown((raw + rawAfter) / 2, levels, idleRss, peakRss, seconds));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Raw throughput before and after the server runs: {raw:F0} and {rawAfter:F0} sentences/s; the ratio uses their mean."));
}
finally
{
    server.Kill(entireProcessTree: true);
    await server.WaitForExitAsync();
    work.Delete(recursive: true);
}

return levels.Any(l => l.Errors > 0) ? 1 : 0;

static string Option(string[] args, string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}

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

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

namespace ReferenceArchitectures.Benchmarks.ModelServer
{
    internal sealed record LoadResult(int Clients, long Sentences, long Errors, TimeSpan Elapsed, double P50Milliseconds, double P99Milliseconds)
    {
        public double SentencesPerSecond => Sentences / Elapsed.TotalSeconds;
    }

    internal static class RawThroughput
    {
        /// <summary>The engine alone, as the server configures it (intra-op threads = processors), batches of 32 in file order.</summary>
        public static async Task<double> MeasureAsync(string[] sentences, TimeSpan duration)
        {
            using var engine = await EmbeddingEngine.CreateAsync(EmbeddingModelSource.AllMiniLmL6V2, new EmbeddingEngineOptions(), CancellationToken.None);
            var batches = sentences.Chunk(32).ToArray();
            engine.Embed(batches[0], CancellationToken.None);
            long done = 0;
            var clock = Stopwatch.StartNew();
            for (var i = 0; clock.Elapsed < duration; i++)
            {
                var batch = batches[i % batches.Length];
                // Tokenizing is part of the work the server does too.
                engine.Embed(batch, CancellationToken.None);
                done += batch.Length;
            }

            return done / clock.Elapsed.TotalSeconds;
        }
    }

    internal static class Load
    {
        public static async Task WaitUntilReadyAsync(HttpClient http, Process server, TimeSpan limit)
        {
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

        /// <summary>Each client sends one sentence per request, the next as soon as the answer is read.</summary>
        public static async Task<LoadResult> RunAsync(HttpClient http, string[] sentences, int clients, TimeSpan duration)
        {
            var latencies = new List<double>[clients];
            var errors = 0L;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
            {
                var mine = latencies[client] = [];
                for (var i = client * 37; clock.Elapsed < duration; i++)
                {
                    var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["input"] = sentences[i % sentences.Length] });
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new("application/json");
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        using var response = await http.PostAsync(new Uri("/v1/embeddings", UriKind.Relative), content);
                        await response.Content.ReadAsByteArrayAsync();
                        if (response.IsSuccessStatusCode)
                        {
                            mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        }
                        else
                        {
                            Interlocked.Increment(ref errors);
                        }
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
            }));
            var elapsed = clock.Elapsed;
            var all = latencies.SelectMany(l => l).Order().ToArray();
            return new LoadResult(clients, all.Length, errors, elapsed, Percentile(all, 0.50), Percentile(all, 0.99));
        }

        private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }

    internal static class Memory
    {
        public static long PeakRssBytes(int pid) => StatusKilobytes(pid, "VmHWM:") * 1024;

        public static long CurrentRssBytes(int pid) => StatusKilobytes(pid, "VmRSS:") * 1024;

        private static long StatusKilobytes(int pid, string field)
        {
            var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
            return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
    }

    internal static class Processes
    {
        public static async Task RunAsync(string file, string[] arguments)
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments))!;
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}.");
            }
        }
    }

    internal static class Report
    {
        public static string Markdown(double raw, List<LoadResult> levels, long idleRss, long peakRss, int seconds)
        {
            var text = new StringBuilder();
            var inv = CultureInfo.InvariantCulture;
            text.AppendLine(inv, $"Machine: {Machine()}; {seconds} s per level, one sentence per request, sentences from the STS-B test split.");
            text.AppendLine();
            text.AppendLine("| Load | Sentences/s | p50 latency | p99 latency | Ratio to raw | Errors |");
            text.AppendLine("|---|---|---|---|---|---|");
            text.AppendLine(inv, $"| Raw ONNX Runtime, batches of 32, no HTTP | {raw:F0} | | | 1.00 | |");
            foreach (var level in levels)
            {
                text.AppendLine(inv, $"| Server, {level.Clients} concurrent client{(level.Clients == 1 ? "" : "s")} | {level.SentencesPerSecond:F0} | {level.P50Milliseconds:F1} ms | {level.P99Milliseconds:F1} ms | {level.SentencesPerSecond / raw:F2} | {level.Errors} |");
            }

            text.AppendLine();
            text.AppendLine(inv, $"Server memory (RSS): {idleRss / 1048576.0:F0} MiB ready and idle, {peakRss / 1048576.0:F0} MiB peak under load.");
            return text.ToString();
        }

        private static string Machine()
        {
            var cpu = File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
                : null;
            return $"{Environment.ProcessorCount} cores ({cpu ?? "unknown CPU"}), {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";
        }
    }
}
