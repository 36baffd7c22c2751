using System.Text.Json;
using ReferenceArchitectures.Testing.LocalRuntimeApi;

namespace ReferenceArchitectures.LambdaRuntime.Tests;

/// <summary>A LambdaHost running in-process against a LocalRuntimeApi, with its log captured.</summary>
internal sealed class HostedFunction : IAsyncDisposable
{
    // Only a safety net against a hung test; no test expects to come near it.
    public static readonly TimeSpan SafetyNet = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stop = new();
    private readonly StringWriter _log = new();

    private HostedFunction(LocalRuntimeApi api)
    {
        Api = api;

        // The synchronized wrapper locks on itself, which LogLines relies on to read a consistent snapshot.
        LogOutput = TextWriter.Synchronized(_log);
    }

    public LocalRuntimeApi Api { get; }

    public TextWriter LogOutput { get; }

    public Task<int> Run { get; private set; } = Task.FromResult(0);

    public static async Task<HostedFunction> StartAsync(
        Action<LambdaHandlerRegistry> configure,
        string handler = "function",
        IReadOnlyDictionary<string, string>? environment = null,
        Action<LambdaHostOptions>? adjust = null)
    {
        var api = await LocalRuntimeApi.StartAsync();
        var hosted = new HostedFunction(api);
        var options = new LambdaHostOptions
        {
            RuntimeApi = api.Address,
            Handler = handler,
            LogOutput = hosted.LogOutput,
            GetEnvironmentVariable = name => environment?.GetValueOrDefault(name),
        };
        adjust?.Invoke(options);
        hosted.Run = Task.Run(() => LambdaHost.RunAsync(configure, options, hosted._stop.Token));
        return hosted;
    }

    public Task<InvocationResult> InvokeAsync(string payload, TimeSpan? timeout = null, string? traceId = null) =>
        Api.InvokeAsync(Utf8(payload), timeout, traceId).WaitAsync(SafetyNet);

    public Task<InvocationResult> InvokeAsync(InvocationRequest request) =>
        Api.InvokeAsync(request).WaitAsync(SafetyNet);

    public async Task<int> StopAsync()
    {
        await _stop.CancelAsync();
        return await Run.WaitAsync(SafetyNet);
    }

    /// <summary>Every log line, parsed; a line that is not JSON fails the test.</summary>
    public IReadOnlyList<JsonElement> LogLines()
    {
        string text;
        lock (LogOutput)
        {
            text = _log.ToString();
        }

        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Run.WaitAsync(SafetyNet);
        }
        finally
        {
            await Api.DisposeAsync();
            _stop.Dispose();
            _log.Dispose();
        }
    }

    public static byte[] Utf8(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    public static string Text(ReadOnlyMemory<byte> bytes) => System.Text.Encoding.UTF8.GetString(bytes.Span);
}
