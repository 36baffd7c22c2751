using System.Collections.Concurrent;
using System.Diagnostics;
using ReferenceArchitectures.Testing.Iam;
using ReferenceArchitectures.Testing.LocalBedrock;
using ReferenceArchitectures.Testing.LocalRuntimeApi;
using ReferenceArchitectures.Testing.StackTemplates;

namespace ReferenceArchitectures.InferenceApi.Tests;

/// <summary>
/// Pattern 1's function running as a real process (the JIT build of the same code that is published with
/// Native AOT), connected to its own local Runtime API and to a local Bedrock endpoint, and configured as the
/// template configures the function: its handler string, environment variables and memory. Only what Lambda itself
/// sets stays here: the Runtime API's address, the Region, the credentials, the function's name and version, and
/// the endpoint override that points the SDK at the local Bedrock.
/// </summary>
public sealed class FunctionProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private FunctionProcess(Process process, LocalRuntimeApi runtimeApi, TemplateFunction function)
    {
        _process = process;
        RuntimeApi = runtimeApi;
        Function = function;
    }

    public LocalRuntimeApi RuntimeApi { get; }

    /// <summary>The template's configuration of the function this process runs.</summary>
    public TemplateFunction Function { get; }

    public IReadOnlyCollection<string> StandardOutput => _stdout;

    public IReadOnlyCollection<string> StandardError => _stderr;

    public bool HasExited => _process.HasExited;

    /// <param name="overrides">Set on top of the template's environment; a null value removes the variable.</param>
    public static async Task<FunctionProcess> StartAsync(
        TemplateFunction function, LocalBedrockServer bedrock, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(bedrock);
        var runtimeApi = await LocalRuntimeApi.StartAsync();
        // Lambda hands the function its execution role's session; here each role gets its own key, which the local
        // Bedrock accepts and records, so that every call can be evaluated as that role (DeployRehearsalTests).
        var (accessKeyId, secretAccessKey) = RoleKeys.For(function.Role);
        bedrock.Accept(new LocalBedrockCredentials(accessKeyId, secretAccessKey));
        var lambdaSets = new Dictionary<string, string>
        {
            ["AWS_LAMBDA_RUNTIME_API"] = runtimeApi.Address,
            ["AWS_REGION"] = bedrock.Region,
            ["AWS_ACCESS_KEY_ID"] = accessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = secretAccessKey,
            ["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = bedrock.Endpoint.ToString(),
        };

        // Nothing from the developer's own AWS setup leaks into the function (TemplateFunctions.ProcessStart).
        var start = function.ProcessStart("dotnet", [FunctionAssemblyPath()], lambdaSets, overrides);
        var process = new Process { StartInfo = start };
        var running = new FunctionProcess(process, runtimeApi, function);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { running._stdout.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { running._stderr.Enqueue(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
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
