using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReferenceArchitectures.Cdk;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>How one local execution ended, as run-state-machine.mjs reports it.</summary>
/// <param name="Status">SUCCEEDED, FAILED, TIMED_OUT or ABORTED, as Step Functions names them.</param>
/// <param name="States">Every state entered, in order (a retried state appears once per attempt's entry).</param>
/// <param name="Retries">Retries per state.</param>
/// <param name="Trace">What each state handed on or why it failed, one line per state, for failure messages.</param>
/// <param name="ExecutionArn">The execution's id (<c>$$.Execution.Id</c>), an execution ARN of the local state machine.</param>
public sealed record ExecutionOutcome(string Status, JsonNode? Output, string? Error, string? Cause, IReadOnlyList<string> States, IReadOnlyDictionary<string, int> Retries, string Trace, string ExecutionArn = "")
{
    public override string ToString() => $"{Status} {Error}: {Cause}\n{Trace}";

    public int RetriesOf(string stateName) => Retries.GetValueOrDefault(stateName);
}

/// <summary>Options of one local execution.</summary>
/// <param name="RetryDelay">Pause before every retry, instead of the definition's backoff (which would make tests slow).</param>
/// <param name="TaskTimeoutSeconds">Shorter TimeoutSeconds for some states, to provoke States.Timeout quickly.</param>
/// <param name="ExecutionTimeoutSeconds">A shorter TimeoutSeconds for the whole execution, to provoke TIMED_OUT quickly.</param>
public sealed record LocalExecutionOptions(TimeSpan RetryDelay = default, IReadOnlyDictionary<string, int>? TaskTimeoutSeconds = null, string? ExecutionId = null, int? ExecutionTimeoutSeconds = null);

/// <summary>
/// Runs a state machine definition in aws-local-stepfunctions (Node.js 22) through run-state-machine.mjs, with every
/// Task state calling <see cref="PipelineTaskHost"/>. All executions of a test process go to one runner process
/// (<c>--serve</c>), which runs them concurrently: a Node.js start and the interpreter's load cost about a CPU-second,
/// once per test run instead of once per execution.
/// </summary>
public sealed class LocalStateMachine : IDisposable
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };
    private readonly DirectoryInfo _workFolder = Directory.CreateTempSubdirectory("local-sfn-");
    private readonly string _definitionPath;
    private readonly Uri _taskHost;

    public LocalStateMachine(string definitionJson, Uri taskHost)
    {
        ArgumentNullException.ThrowIfNull(taskHost);
        _definitionPath = Path.Combine(_workFolder.FullName, "definition.json");
        File.WriteAllText(_definitionPath, definitionJson);
        _taskHost = taskHost;
    }

    public static string RunnerScript => RepositoryLayout.PathFromRoot(Path.Combine("tests", "Pipeline.Tests", "run-state-machine.mjs"));

    /// <summary>Node.js 22 from package.json's <c>node</c> package; aws-local-stepfunctions 3 needs Node 22 or newer.</summary>
    public static string NodeExecutable => RepositoryLayout.PathFromRoot(Path.Combine("node_modules", ".bin", "node"));

    /// <exception cref="InvalidOperationException">The runner is missing, crashed, or reported a harness failure (not a pipeline outcome).</exception>
    public async Task<ExecutionOutcome> RunAsync(JsonNode input, LocalExecutionOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        options ??= new LocalExecutionOptions();
        var runnerOptions = new JsonObject { ["retryDelayMs"] = (int)options.RetryDelay.TotalMilliseconds };
        if (options.TaskTimeoutSeconds is { } timeouts)
        {
            var map = new JsonObject();
            foreach (var (state, seconds) in timeouts)
            {
                map[state] = seconds;
            }

            runnerOptions["taskTimeoutSeconds"] = map;
        }

        runnerOptions["executionId"] = options.ExecutionId ?? NewExecutionArn();
        if (options.ExecutionTimeoutSeconds is { } executionTimeout)
        {
            runnerOptions["executionTimeoutSeconds"] = executionTimeout;
        }

        var request = new JsonObject
        {
            ["definitionFile"] = _definitionPath,
            ["input"] = input.DeepClone(),
            ["taskHostUrl"] = _taskHost.ToString(),
            ["options"] = runnerOptions,
        };
        var report = await ExecutionRunnerProcess.Shared.Value.RunAsync(request, cancellationToken);
        return Parse(report);
    }

    public void Dispose() => _workFolder.Delete(recursive: true);

    /// <summary>The state machine's ARN in the local runs: the template's state machine under its logical id.</summary>
    public static string StateMachineArn => PipelineDefinition.StateMachineArn;

    /// <summary>A new execution ARN of the local state machine, as StartExecution would make for an unnamed execution.</summary>
    public static string NewExecutionArn(string? name = null) =>
        StateMachineArn.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":" + (name ?? Guid.NewGuid().ToString());

    private static ExecutionOutcome Parse(JsonObject report)
    {
        var harnessErrors = report["harnessErrors"]!.AsArray().Select(item => (string)item!).ToList();
        if (harnessErrors.Count > 0)
        {
            throw new InvalidOperationException("The local execution hit a harness failure, not a pipeline outcome: " + string.Join("; ", harnessErrors));
        }

        return new ExecutionOutcome(
            (string)report["status"]!,
            report["output"]?.DeepClone(),
            (string?)report["error"],
            (string?)report["cause"],
            [.. report["states"]!.AsArray().Select(item => (string)item!)],
            report["retries"]!.AsObject().ToDictionary(entry => entry.Key, entry => (int)entry.Value!),
            (string?)report["trace"] ?? "",
            (string)report["executionId"]!);
    }

    internal static void RequireTools()
    {
        if (!File.Exists(NodeExecutable))
        {
            throw new InvalidOperationException($"Node.js 22 is missing at {NodeExecutable}; run `npm ci` in {RepositoryLayout.Root} (package.json pins the node package).");
        }

        if (!Directory.Exists(RepositoryLayout.PathFromRoot(Path.Combine("node_modules", "aws-local-stepfunctions"))))
        {
            throw new InvalidOperationException($"node_modules/aws-local-stepfunctions is missing; run `npm ci` in {RepositoryLayout.Root}.");
        }
    }
}
