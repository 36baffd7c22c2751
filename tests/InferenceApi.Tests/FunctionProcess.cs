using System.Collections.Concurrent;
using System.Diagnostics;
using ReferenceArchitectures.Testing.LocalBedrock;
using ReferenceArchitectures.Testing.LocalRuntimeApi;

namespace ReferenceArchitectures.InferenceApi.Tests;

/// <summary>
/// Pattern 1's function running as a real process (the JIT build of the same code that is published with
/// Native AOT), connected to its own local Runtime API and to a local Bedrock endpoint.
/// </summary>
public sealed class FunctionProcess : IAsyncDisposable
{
    public const string ModelId = "us.amazon.nova-lite-v1:0";
    public const int MaxPromptCharacters = 2_000;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private FunctionProcess(Process process, LocalRuntimeApi runtimeApi)
    {
        _process = process;
        RuntimeApi = runtimeApi;
    }

    public LocalRuntimeApi RuntimeApi { get; }

    public IReadOnlyCollection<string> StandardOutput => _stdout;

    public IReadOnlyCollection<string> StandardError => _stderr;

    public bool HasExited => _process.HasExited;

    public static async Task<FunctionProcess> StartAsync(
        string handler, LocalBedrockServer bedrock, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var runtimeApi = await LocalRuntimeApi.StartAsync();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(FunctionAssemblyPath());

        // Nothing from the developer's own AWS setup may leak into the function.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        var environment = new Dictionary<string, string?>
        {
            ["AWS_LAMBDA_RUNTIME_API"] = runtimeApi.Address,
            ["_HANDLER"] = handler,
            ["AWS_REGION"] = bedrock.Region,
            ["AWS_ACCESS_KEY_ID"] = bedrock.Credentials.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = bedrock.Credentials.SecretAccessKey,
            ["AWS_SESSION_TOKEN"] = bedrock.Credentials.SessionToken,
            ["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = bedrock.Endpoint.ToString(),
            ["AWS_LAMBDA_FUNCTION_NAME"] = "InferenceApi",
            ["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST",
            ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "512",
            ["BEDROCK_MODEL_ID"] = ModelId,
            ["CHAT_MAX_PROMPT_CHARACTERS"] = MaxPromptCharacters.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (name, value) in overrides ?? new Dictionary<string, string?>())
        {
            environment[name] = value;
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = start };
        var function = new FunctionProcess(process, runtimeApi);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { function._stdout.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { function._stderr.Enqueue(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return function;
    }

    /// <summary>The function's build output: the test project references it, so it is built with the tests.</summary>
    private static string FunctionAssemblyPath()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "InferenceApi.dll");
        return File.Exists(path) && File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json"))
            ? path
            : throw new FileNotFoundException($"The function's build output is missing next to the tests: {path}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
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
