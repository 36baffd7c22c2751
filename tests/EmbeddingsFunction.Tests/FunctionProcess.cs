using System.Collections.Concurrent;
using System.Diagnostics;
using ReferenceArchitectures.Testing.LocalRuntimeApi;
using ReferenceArchitectures.Testing.StackTemplates;

namespace ReferenceArchitectures.EmbeddingsFunction.Tests;

/// <summary>
/// The embeddings function as a real process (the JIT build of the code that is published with Native AOT), connected
/// to its own local Runtime API and configured as the template configures it: handler string, environment, memory.
/// Only what Lambda itself sets stays here: the Runtime API's address, the Region and the function's name and version.
/// </summary>
public sealed class FunctionProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private FunctionProcess(Process process, LocalRuntimeApi runtimeApi, TemplateFunction function)
    {
        _process = process;
        RuntimeApi = runtimeApi;
        Function = function;
    }

    public LocalRuntimeApi RuntimeApi { get; }

    public TemplateFunction Function { get; }

    /// <summary>Standard output and error, as Lambda would send them to the function's log group.</summary>
    public IReadOnlyCollection<string> Output => _output;

    /// <param name="overrides">Set on top of the template's environment; a null value removes the variable.</param>
    /// <param name="folder">Where the function's build output is; by default beside the tests.</param>
    public static async Task<FunctionProcess> StartAsync(TemplateFunction function, IReadOnlyDictionary<string, string?>? overrides = null, string? folder = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        var runtimeApi = await LocalRuntimeApi.StartAsync();
        var start = function.ProcessStart("dotnet", [FunctionAssemblyPath(folder ?? AppContext.BaseDirectory)], new Dictionary<string, string>
        {
            ["AWS_LAMBDA_RUNTIME_API"] = runtimeApi.Address,
            ["AWS_REGION"] = StackTemplate.Region,
        }, overrides);
        var process = new Process { StartInfo = start };
        var running = new FunctionProcess(process, runtimeApi, function);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { running._output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { running._output.Enqueue(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    /// <summary>Invokes the function with an HTTP API event, within the template's timeout, and reads its HTTP answer.</summary>
    /// <exception cref="InvalidOperationException">The function reported an init error instead of taking the invocation.</exception>
    /// <param name="timeout">The invocation's deadline; by default the template's timeout with slack for a loaded machine.</param>
    public async Task<HttpAnswer> InvokeAsync(byte[] payload, TimeSpan? timeout = null)
    {
        var invocation = RuntimeApi.InvokeAsync(payload, timeout ?? Function.Timeout + TimeSpan.FromSeconds(60));
        if (await Task.WhenAny(invocation, RuntimeApi.InitError) != invocation)
        {
            var report = await RuntimeApi.InitError;
            throw new InvalidOperationException($"{Function.Name} failed its init ({report.ErrorType}): {report.Body}\n{string.Join('\n', _output)}");
        }

        return HttpAnswer.From(await invocation);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>The function's build output: the test project references it, so it is built with the tests.</summary>
    public static string FunctionAssemblyPath(string folder)
    {
        var path = Path.Combine(folder, "EmbeddingsFunction.dll");
        return File.Exists(path) && File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json"))
            ? path
            : throw new FileNotFoundException($"The function's build output is missing: {path}");
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
