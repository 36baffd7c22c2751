using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ReferenceArchitectures.Testing.LocalAws;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>
/// The execution gate against the local SQS and DynamoDB, with the template's upload queue and table: a burst of uploads
/// never has more than the limit running, and every upload is started exactly once. The gate runs one drain at a time,
/// as the stack's reserved concurrency of 1 makes Lambda do; every end of an execution frees its slot and drains again,
/// as the ExecutionEnded rule does.
/// </summary>
public sealed class ExecutionGateTests : IAsyncLifetime, IDisposable
{
    private const int Limit = 10;
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(60);
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(5));
    private LocalAwsServer _aws = null!;
    private string _queueUrl = null!;

    public async Task InitializeAsync()
    {
        _aws = await LocalAwsServer.StartAsync(_timeout.Token);
        _aws.DynamoDb.CreateTable(PipelineTemplate.Default.Table, "pk");
        _queueUrl = _aws.Sqs.CreateQueue(PipelineTemplate.Default.UploadQueue);
    }

    public async Task DisposeAsync() => await _aws.DisposeAsync();

    public void Dispose() => _timeout.Dispose();

    [Fact]
    public async Task A_burst_of_a_thousand_uploads_never_runs_more_than_the_limit_and_starts_each_once()
    {
        using var sqs = LocalAwsClients.Sqs(_aws);
        using var dynamo = LocalAwsClients.DynamoDb(_aws);
        var slots = new ExecutionSlots(dynamo, PipelineTemplate.Default.Table);
        var stepFunctions = new CountingStepFunctions();
        var gate = new ExecutionGate(sqs, slots, stepFunctions, Settings());
        using var oneAtATime = new SemaphoreSlim(1, 1);
        var wakeUps = new ConcurrentBag<Task>();
        stepFunctions.Ended = arn => wakeUps.Add(Task.Run(async () =>
        {
            await oneAtATime.WaitAsync();
            try
            {
                Assert.True(await gate.ReleaseAsync(arn, _timeout.Token), $"{arn} held no slot when it ended");
                await gate.DrainAsync(_timeout.Token);
            }
            finally
            {
                oneAtATime.Release();
            }
        }));

        const int uploads = 1000;
        // The burst: every upload is queued before the gate wakes; then each upload's own wake-up arrives.
        for (var i = 0; i < uploads; i++)
        {
            await sqs.SendMessageAsync(_queueUrl, UploadEvent(Guid.NewGuid().ToString(), $"incoming/doc-{i}.txt"), _timeout.Token);
        }

        for (var i = 0; i < uploads; i++)
        {
            await oneAtATime.WaitAsync();
            try
            {
                await gate.DrainAsync(_timeout.Token);
            }
            finally
            {
                oneAtATime.Release();
            }
        }

        while (stepFunctions.Finished < uploads)
        {
            await Task.Delay(50, _timeout.Token);
        }

        await Task.WhenAll(wakeUps);
        Assert.Equal(uploads, stepFunctions.Started.Count);
        Assert.Equal(uploads, stepFunctions.Started.Values.Distinct().Count());
        Assert.True(stepFunctions.MostAtOnce <= Limit, $"{stepFunctions.MostAtOnce} executions ran at once; the limit is {Limit}");
        Assert.Equal(Limit, stepFunctions.MostAtOnce);
        Assert.Empty(_aws.Sqs.Messages(PipelineTemplate.Default.UploadQueue));
        var left = await slots.ReadAsync(_timeout.Token);
        Assert.Equal(0, left.Running);
        Assert.Empty(left.Holders);
    }

    [Fact]
    public async Task Starters_racing_for_the_slots_take_no_more_than_the_limit()
    {
        using var dynamo = LocalAwsClients.DynamoDb(_aws);
        var slots = new ExecutionSlots(dynamo, PipelineTemplate.Default.Table);
        await slots.EnsureAsync(_timeout.Token);

        var taken = await Task.WhenAll(Enumerable.Range(0, 3 * Limit).Select(i => Task.Run(() => slots.TryAcquireAsync($"racer-{i}", Limit, _timeout.Token))));

        Assert.Equal(Limit, taken.Count(t => t));
        var holders = await slots.ReadAsync(_timeout.Token);
        Assert.Equal((Limit, Limit), (holders.Running, holders.Holders.Count));
        // Taking a slot again under the same name (a retried start) is not a second slot.
        var holder = holders.Holders.Keys.First();
        Assert.True(await slots.TryAcquireAsync(holder, Limit, _timeout.Token));
        Assert.Equal(Limit, (await slots.ReadAsync(_timeout.Token)).Running);
        Assert.True(await slots.ReleaseAsync(holder, _timeout.Token));
        Assert.False(await slots.ReleaseAsync(holder, _timeout.Token));
        Assert.Equal(Limit - 1, (await slots.ReadAsync(_timeout.Token)).Running);
    }

    [Fact]
    public async Task An_upload_whose_execution_already_ran_frees_its_slot_and_leaves_the_queue()
    {
        using var sqs = LocalAwsClients.Sqs(_aws);
        using var dynamo = LocalAwsClients.DynamoDb(_aws);
        var slots = new ExecutionSlots(dynamo, PipelineTemplate.Default.Table);
        var stepFunctions = new CountingStepFunctions { AlreadyExists = true };
        var gate = new ExecutionGate(sqs, slots, stepFunctions, Settings());
        await sqs.SendMessageAsync(_queueUrl, UploadEvent("4e9e1d8c-0f3a-4c1e-9a53-2b8c3b5d7e10", "incoming/again.txt"), _timeout.Token);

        var report = await gate.DrainAsync(_timeout.Token);

        Assert.Equal((0, 1), (report.Started, report.AlreadyRan));
        Assert.Equal(0, (await slots.ReadAsync(_timeout.Token)).Running);
        Assert.Empty(_aws.Sqs.Messages(PipelineTemplate.Default.UploadQueue));
    }

    [Fact]
    public async Task A_start_that_fails_frees_its_slot_and_leaves_the_upload_for_later()
    {
        using var sqs = LocalAwsClients.Sqs(_aws);
        using var dynamo = LocalAwsClients.DynamoDb(_aws);
        var slots = new ExecutionSlots(dynamo, PipelineTemplate.Default.Table);
        var stepFunctions = new CountingStepFunctions { Fail = true };
        var gate = new ExecutionGate(sqs, slots, stepFunctions, Settings());
        await sqs.SendMessageAsync(_queueUrl, UploadEvent("0b1f7c52-3a57-4a8e-8d0c-5b2f1e9a6c33", "incoming/throttled.txt"), _timeout.Token);

        var report = await gate.DrainAsync(_timeout.Token);

        Assert.Equal((0, 1), (report.Started, report.LeftInQueue));
        Assert.Equal(0, (await slots.ReadAsync(_timeout.Token)).Running);
        Assert.Single(_aws.Sqs.Messages(PipelineTemplate.Default.UploadQueue));
    }

    [Fact]
    public async Task A_slot_whose_execution_ended_unseen_is_taken_back_on_the_schedule()
    {
        using var dynamo = LocalAwsClients.DynamoDb(_aws);
        using var sqs = LocalAwsClients.Sqs(_aws);
        var slots = new ExecutionSlots(dynamo, PipelineTemplate.Default.Table);
        var stepFunctions = new CountingStepFunctions();
        var gate = new ExecutionGate(sqs, slots, stepFunctions, Settings());
        await slots.EnsureAsync(_timeout.Token);
        Assert.True(await slots.TryAcquireAsync("ended-unseen", Limit, _timeout.Token));
        Assert.True(await slots.TryAcquireAsync("still-running", Limit, _timeout.Token));
        stepFunctions.Statuses["ended-unseen"] = "SUCCEEDED";
        stepFunctions.Statuses["still-running"] = "RUNNING";

        var freed = await gate.ReconcileAsync(_timeout.Token);

        Assert.Equal(["ended-unseen"], freed);
        Assert.Equal(["still-running"], (await slots.ReadAsync(_timeout.Token)).Holders.Keys);
    }

    private ExecutionGateSettings Settings() =>
        new ExecutionGateSettings(_queueUrl, PipelineDefinition.StateMachineArn, Limit, Visibility, TimeSpan.FromMinutes(5)).Validate();

    private static string UploadEvent(string id, string key) => new JsonObject
    {
        ["version"] = "0",
        ["id"] = id,
        ["detail-type"] = "Object Created",
        ["source"] = "aws.s3",
        ["detail"] = new JsonObject
        {
            ["bucket"] = new JsonObject { ["name"] = PipelineTemplate.Default.InputBucket },
            ["object"] = new JsonObject { ["key"] = key, ["version-id"] = "v1", ["size"] = 10 },
        },
    }.ToJsonString();

    /// <summary>
    /// Step Functions for the gate: each execution runs a few milliseconds and then ends, and the running count is kept.
    /// StartExecution's name rule (the same name starts nothing twice) is kept as the service keeps it.
    /// </summary>
    private sealed class CountingStepFunctions : IStepFunctions
    {
        private int _running;
        private int _finished;

        public ConcurrentDictionary<string, string> Started { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, string> Statuses { get; } = new(StringComparer.Ordinal);

        public int MostAtOnce { get; private set; }

        public int Finished => Volatile.Read(ref _finished);

        public bool AlreadyExists { get; init; }

        public bool Fail { get; init; }

        public Action<string>? Ended { get; set; }

        public Task<StartedExecution> StartExecutionAsync(string stateMachineArn, string name, string input, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                throw new HttpRequestException("StartExecution failed with 400 ThrottlingException: Rate exceeded");
            }

            if (AlreadyExists || !Started.TryAdd(name, input))
            {
                return Task.FromResult(new StartedExecution(null, true, $"Execution Already Exists: '{name}'"));
            }

            var arn = stateMachineArn.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":" + name;
            var now = Interlocked.Increment(ref _running);
            lock (Started)
            {
                MostAtOnce = Math.Max(MostAtOnce, now);
            }

            _ = Task.Run(async () =>
            {
                await Task.Delay(Random.Shared.Next(100, 250), CancellationToken.None);
                Interlocked.Decrement(ref _running);
                Interlocked.Increment(ref _finished);
                Ended?.Invoke(arn);
            }, CancellationToken.None);
            return Task.FromResult(new StartedExecution(arn, false, null));
        }

        public Task<string?> DescribeExecutionStatusAsync(string executionArn, CancellationToken cancellationToken) =>
            Task.FromResult(Statuses.TryGetValue(executionArn.Split(':')[^1], out var status) ? status : null);
    }
}
