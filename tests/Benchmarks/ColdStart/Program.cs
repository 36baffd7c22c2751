using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using ReferenceArchitectures.Benchmarks.ColdStart;
using ReferenceArchitectures.LambdaRuntime;
using ReferenceArchitectures.Testing.LocalBedrock;
using ReferenceArchitectures.Testing.LocalRuntimeApi;

// Pattern 1's start-up benchmark. Prints a Markdown report; README quotes it.
//   dotnet run -c Release --project tests/Benchmarks/ColdStart [-- --runs 10 --warm 2000]
var runs = Option(args, "--runs", 10);
var warmInvocations = Option(args, "--warm", 2000);
var root = RepositoryRoot();
var work = Directory.CreateTempSubdirectory("coldstart-");
var project = Path.Combine(root, "functions", "InferenceApi", "ReferenceArchitectures.Functions.InferenceApi.csproj");

Console.Error.WriteLine($"publishing the function three ways into {work.FullName} ...");
var variants = new[]
{
    new Variant("Native AOT", Path.Combine(work.FullName, "aot"), ["-r", "linux-x64"], UsesDotnetHost: false),
    new Variant("JIT", Path.Combine(work.FullName, "jit"), ["-p:PublishAot=false"], UsesDotnetHost: true),
    new Variant("JIT + ReadyToRun", Path.Combine(work.FullName, "r2r"),
        ["-r", "linux-x64", "--self-contained", "false", "-p:PublishAot=false", "-p:PublishReadyToRun=true"], UsesDotnetHost: true),
};
foreach (var variant in variants)
{
    await Publisher.PublishAsync(project, variant);
}

await using var bedrock = await LocalBedrockServer.StartAsync();
var samples = variants.ToDictionary(v => v, _ => new List<double>());
var payload = Encoding.UTF8.GetBytes(
    """{"version":"2.0","rawPath":"/v1/chat","requestContext":{"http":{"method":"POST"}},"body":"{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}","isBase64Encoded":false}""");

// One discarded start per variant warms the page cache, as a reused Lambda host would have it; then the
// variants take turns so that drift on the machine affects them alike.
for (var run = -1; run < runs; run++)
{
    foreach (var variant in run % 2 == 0 ? variants : variants.Reverse())
    {
        var elapsed = await ColdStart.MeasureAsync(variant, bedrock, payload);
        if (run >= 0)
        {
            samples[variant].Add(elapsed.TotalMilliseconds);
        }
    }
}

var warm = await WarmLoop.MeasureAsync(warmInvocations);
var package = PackageSize.Measure(variants[0].OutputDirectory);

var aotMedian = Median(samples[variants[0]]);
var jitMedian = Median(samples[variants[1]]);
var report = new StringBuilder();
report.AppendLine(CultureInfo.InvariantCulture, $"Machine: {MachineDescription()}; {runs} starts per variant, medians.");
report.AppendLine();
report.AppendLine("| Variant | Start to first response (median) | min | max | ratio to JIT |");
report.AppendLine("|---|---|---|---|---|");
foreach (var variant in variants)
{
    var values = samples[variant];
    report.AppendLine(CultureInfo.InvariantCulture,
        $"| {variant.Name} | {Median(values):F1} ms | {values.Min():F1} ms | {values.Max():F1} ms | {Median(values) / jitMedian:F2} |");
}

report.AppendLine();
report.AppendLine(CultureInfo.InvariantCulture,
    $"AOT cold start is {aotMedian / jitMedian:F2} of the JIT figure (target: at most 0.30).");
report.AppendLine(CultureInfo.InvariantCulture,
    $"Warm invocation round trip over loopback ({warmInvocations} invocations, median): runtime client {warm.RuntimeMicroseconds:F0} µs, "
    + $"a bare two-request HttpClient loop {warm.BaselineMicroseconds:F0} µs; ratio {warm.RuntimeMicroseconds / warm.BaselineMicroseconds:F2}.");
report.AppendLine(CultureInfo.InvariantCulture,
    $"Package: bootstrap {package.BinaryBytes / 1048576.0:F1} MB, zipped {package.ZippedBytes / 1048576.0:F1} MB (target: at most 15 MB).");
Console.WriteLine(report);

work.Delete(recursive: true);
return 0;

static int Option(string[] args, string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    if (index < 0)
    {
        return fallback;
    }

    return index + 1 < args.Length && int.TryParse(args[index + 1], CultureInfo.InvariantCulture, out var value) && value > 0
        ? value
        : throw new ArgumentException($"{name} takes a positive whole number.");
}

static string RepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "ReferenceArchitectures.sln")))
        {
            return dir.FullName;
        }
    }

    throw new DirectoryNotFoundException("Run the benchmark from inside the repository (ReferenceArchitectures.sln not found).");
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static string MachineDescription()
{
    var cpu = File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
        : null;
    return $"{Environment.ProcessorCount} cores ({cpu ?? "unknown CPU"}), {Environment.OSVersion}, .NET {Environment.Version}";
}

namespace ReferenceArchitectures.Benchmarks.ColdStart
{
    internal sealed record Variant(string Name, string OutputDirectory, string[] PublishArguments, bool UsesDotnetHost);

    internal static class Publisher
    {
        public static async Task PublishAsync(string project, Variant variant)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in (string[])["publish", project, "-c", "Release", "-o", variant.OutputDirectory, "--nologo", .. variant.PublishArguments])
            {
                start.ArgumentList.Add(argument);
            }

            // Each variant builds in its own artifacts folder, so that AOT and ReadyToRun builds for the
            // same runtime identifier share no incremental state, with each other or with the developer's build.
            start.ArgumentList.Add("--artifacts-path");
            start.ArgumentList.Add(variant.OutputDirectory + "-build");
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"dotnet publish ({variant.Name}) failed:\n{await output}\n{await errors}");
            }
        }
    }

    internal static class ColdStart
    {
        /// <summary>From process start until the function's first response reaches the Runtime API.</summary>
        public static async Task<TimeSpan> MeasureAsync(Variant variant, LocalBedrockServer bedrock, byte[] payload)
        {
            await using var runtimeApi = await LocalRuntimeApi.StartAsync();
            var invocation = runtimeApi.InvokeAsync(payload, TimeSpan.FromSeconds(60));

            var start = new ProcessStartInfo(variant.UsesDotnetHost ? "dotnet" : Path.Combine(variant.OutputDirectory, "InferenceApi"))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            if (variant.UsesDotnetHost)
            {
                start.ArgumentList.Add(Path.Combine(variant.OutputDirectory, "InferenceApi.dll"));
            }

            foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
            {
                start.Environment.Remove(name);
            }

            start.Environment["AWS_LAMBDA_RUNTIME_API"] = runtimeApi.Address;
            start.Environment["_HANDLER"] = "converse";
            start.Environment["AWS_REGION"] = bedrock.Region;
            start.Environment["AWS_ACCESS_KEY_ID"] = bedrock.Credentials.AccessKeyId;
            start.Environment["AWS_SECRET_ACCESS_KEY"] = bedrock.Credentials.SecretAccessKey;
            start.Environment["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = bedrock.Endpoint.ToString();
            start.Environment["BEDROCK_MODEL_ID"] = "amazon.nova-lite-v1:0";

            var stopwatch = Stopwatch.StartNew();
            using var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var result = await invocation;
            var elapsed = stopwatch.Elapsed;
            process.Kill();
            await process.WaitForExitAsync();

            using var response = JsonDocument.Parse(result.Body);
            var status = response.RootElement.TryGetProperty("statusCode", out var code) ? code.GetInt32() : 0;
            return status == 200
                ? elapsed
                : throw new InvalidOperationException($"{variant.Name} answered {status}: {Encoding.UTF8.GetString(result.Body)}");
        }
    }

    internal static class WarmLoop
    {
        /// <summary>
        /// The runtime client's cost per warm invocation, against a baseline in the same process: a bare loop of
        /// the same two HTTP requests (GET next, POST response) with HttpClient and nothing else.
        /// </summary>
        public static async Task<(double RuntimeMicroseconds, double BaselineMicroseconds)> MeasureAsync(int invocations)
        {
            var payload = "{\"ping\":true}"u8.ToArray();

            await using var runtimeApi = await LocalRuntimeApi.StartAsync();
            using var stop = new CancellationTokenSource();
            var host = LambdaHost.RunAsync(
                handlers => handlers.MapBuffered("echo", (input, _) => Task.FromResult(input)),
                new LambdaHostOptions { RuntimeApi = runtimeApi.Address, Handler = "echo", LogOutput = TextWriter.Null, MaxInvocations = invocations + 100 },
                stop.Token);
            var runtime = await TimeInvocationsAsync(runtimeApi, payload, invocations);
            await stop.CancelAsync();
            await host;

            await using var baselineApi = await LocalRuntimeApi.StartAsync();
            using var http = new HttpClient { BaseAddress = new Uri($"http://{baselineApi.Address}/2018-06-01/runtime/"), Timeout = Timeout.InfiniteTimeSpan };
            using var stopBaseline = new CancellationTokenSource();
            var bareLoop = Task.Run(async () =>
            {
                while (!stopBaseline.IsCancellationRequested)
                {
                    using var next = await http.GetAsync(new Uri("invocation/next", UriKind.Relative), stopBaseline.Token);
                    var id = next.Headers.GetValues("Lambda-Runtime-Aws-Request-Id").Single();
                    var body = await next.Content.ReadAsByteArrayAsync(stopBaseline.Token);
                    using var posted = await http.PostAsync(new Uri($"invocation/{id}/response", UriKind.Relative), new ByteArrayContent(body), stopBaseline.Token);
                }
            });
            var baseline = await TimeInvocationsAsync(baselineApi, payload, invocations);
            await stopBaseline.CancelAsync();
            try
            {
                await bareLoop;
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException)
            {
                // The loop ends by cancellation of its pending long poll.
            }

            return (runtime, baseline);
        }

        private static async Task<double> TimeInvocationsAsync(LocalRuntimeApi api, byte[] payload, int invocations)
        {
            for (var i = 0; i < 100; i++)
            {
                await api.InvokeAsync(payload);
            }

            var samples = new double[invocations];
            for (var i = 0; i < invocations; i++)
            {
                var stopwatch = Stopwatch.StartNew();
                await api.InvokeAsync(payload);
                samples[i] = stopwatch.Elapsed.TotalMicroseconds;
            }

            Array.Sort(samples);
            return samples[invocations / 2];
        }
    }

    internal static class PackageSize
    {
        /// <summary>The deployment package as CDK ships it: the bootstrap executable, zipped.</summary>
        public static (long BinaryBytes, long ZippedBytes) Measure(string aotDirectory)
        {
            var binary = new FileInfo(Path.Combine(aotDirectory, "InferenceApi"));
            using var zipped = new MemoryStream();
            using (var archive = new ZipArchive(zipped, ZipArchiveMode.Create, leaveOpen: true))
            {
                archive.CreateEntryFromFile(binary.FullName, "bootstrap", CompressionLevel.Optimal);
            }

            return (binary.Length, zipped.Length);
        }
    }
}
