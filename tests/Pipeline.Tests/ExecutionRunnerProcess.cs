using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ReferenceArchitectures.Cdk;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>
/// One <c>node run-state-machine.mjs --serve</c> process for the whole test process: a request per line on its
/// standard input, an outcome per line on its standard output, matched by id. Executions run concurrently in it. The
/// process ends when the test process closes its input (or exits).
/// </summary>
internal sealed class ExecutionRunnerProcess
{
    public static readonly Lazy<ExecutionRunnerProcess> Shared = new(() => new ExecutionRunnerProcess(), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Process _process;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonObject>> _waiting = new(StringComparer.Ordinal);
    private readonly Lock _writer = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private long _nextId;
    private volatile string? _exited;

    private ExecutionRunnerProcess()
    {
        LocalStateMachine.RequireTools();
        var start = new ProcessStartInfo(LocalStateMachine.NodeExecutable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryLayout.Root,
        };
        start.ArgumentList.Add(LocalStateMachine.RunnerScript);
        start.ArgumentList.Add("--serve");
        _process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {LocalStateMachine.NodeExecutable}.");
        _process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is { } text)
            {
                _stderr.Enqueue(text);
            }
        };
        _process.BeginErrorReadLine();
        _ = Task.Run(ReadAnswersAsync);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
    }

    /// <summary>Sends one request and waits for its outcome.</summary>
    /// <exception cref="InvalidOperationException">The runner process has ended, or answered without an outcome.</exception>
    public async Task<JsonObject> RunAsync(JsonObject request, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);
        request["id"] = id;
        var answer = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[id] = answer;
        try
        {
            ThrowIfExited();
            var line = request.ToJsonString();
            lock (_writer)
            {
                // A line of a few kilobytes into a pipe the runner reads all the time: written at once.
                _process.StandardInput.WriteLine(line);
                _process.StandardInput.Flush();
            }

            return await answer.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _waiting.TryRemove(id, out _);
        }
    }

    private async Task ReadAnswersAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var answer = JsonNode.Parse(line)!.AsObject();
            if ((string?)answer["id"] is { } id && _waiting.TryGetValue(id, out var waiting))
            {
                waiting.TrySetResult(answer);
            }
            else
            {
                _stderr.Enqueue("an answer no request waits for: " + line);
            }
        }

        await _process.WaitForExitAsync();
        _exited = $"run-state-machine.mjs --serve exited with {_process.ExitCode}: {string.Join('\n', _stderr)}";
        foreach (var waiting in _waiting.Values)
        {
            waiting.TrySetException(new InvalidOperationException(_exited));
        }
    }

    private void ThrowIfExited()
    {
        if (_exited is { } why)
        {
            throw new InvalidOperationException(why);
        }
    }

    private void Stop()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(6)))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
