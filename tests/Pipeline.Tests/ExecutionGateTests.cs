using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ReferenceArchitectures.Functions.DocumentPipeline;
using ReferenceArchitectures.LambdaRuntime;
using ReferenceArchitectures.Testing.Iam;
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
    public async Task A_burst_of_uploads_never_runs_more_than_the_limit_and_starts_each_once()
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

        // 300 here, in the fast lane; GateBurstTests sends 1,000 through the real state machine.
        const int uploads = 300;
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

    /// <summary>
    /// Two gates at once (as if the reserved concurrency of 1 were raised): the loser of the race for the last slot puts
    /// its uploads back at once (ChangeMessageVisibility 0) instead of leaving them hidden for the visibility timeout.
    /// Both sign with the gate's role, and every call is allowed by its policy in the template.
    /// </summary>
    [Fact]
    public async Task Two_gates_racing_start_no_more_than_the_limit_and_put_back_what_they_could_not_start()
    {
        var function = PipelineTemplate.Default.FunctionWithHandler(PipelineFunctions.StartExecutionsHandler);
        var credentials = RoleCredentials.For(function.Role);
        using var sqs = LocalAwsClients.Sqs(_aws, credentials);
        using var dynamo = LocalAwsClients.DynamoDb(_aws, credentials);
        var stepFunctions = new CountingStepFunctions { RunFor = Timeout.InfiniteTimeSpan };
        using var uploader = LocalAwsClients.Sqs(_aws);
        const int uploads = 60;
        for (var i = 0; i < uploads; i++)
        {
            await uploader.SendMessageAsync(_queueUrl, UploadEvent(Guid.NewGuid().ToString(), $"incoming/race-{i}.txt"), _timeout.Token);
        }

        var reports = new List<DrainReport>();
        for (var round = 0; round < 20 && stepFunctions.Started.Count < Limit; round++)
        {
            var gates = Enumerable.Range(0, 2).Select(_ => new ExecutionGate(sqs, new ExecutionSlots(dynamo, PipelineTemplate.Default.Table), stepFunctions, Settings()));
            reports.AddRange(await Task.WhenAll(gates.Select(gate => Task.Run(() => gate.DrainAsync(_timeout.Token)))));
        }

        Assert.Equal(Limit, stepFunctions.Started.Count);
        Assert.Equal(Limit, stepFunctions.MostAtOnce);
        // Nothing is lost and nothing is left hidden: every upload not started is visible again in the queue.
        Assert.Equal(uploads - Limit, _aws.Sqs.Messages(PipelineTemplate.Default.UploadQueue).Count);
        using var reader = LocalAwsClients.Sqs(_aws);
        var attributes = await reader.GetQueueAttributesAsync(_queueUrl, ["ApproximateNumberOfMessages"], _timeout.Token);
        Assert.Equal(uploads - Limit, attributes.ApproximateNumberOfMessages);
        var template = new TemplateValues(JsonNode.Parse(PipelineDefinition.TemplateJson)!.AsObject(), DeployTarget.Default);
        var calls = RecordedCalls.From(template, _aws.Requests, []);
        Assert.Contains(calls, call => call.Action == "sqs:ChangeMessageVisibility");
        Assert.All(calls.Select(new CallAudit(template).Evaluate), verdict => Assert.True(verdict.Verdict == Verdict.Allowed, RecordedCalls.Describe(verdict)));
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

    /// <summary>
    /// The gate function as the template configures it (handler, environment, role): an upload event drains the queue, a
    /// status-change event frees that execution's slot, the schedule reconciles, anything else is refused by name. Every
    /// call it made, signed with its role's credentials, is allowed by the role's policy in the template, every action
    /// the policy grants was used, and the Step Functions calls (made to the test's own stand-in) are evaluated against
    /// the same policy for the resources Step Functions would authorize.
    /// </summary>
    [Fact]
    public async Task The_gate_function_from_the_template_starts_frees_reconciles_and_refuses_other_events_within_its_role()
    {
        var function = PipelineTemplate.Default.FunctionWithHandler(PipelineFunctions.StartExecutionsHandler);
        var credentials = RoleCredentials.For(function.Role);
        using var aws = new PipelineAwsClients(LocalAwsClients.S3(_aws, credentials), LocalAwsClients.DynamoDb(_aws, credentials), LocalAwsClients.Sqs(_aws, credentials));
        using var sqs = LocalAwsClients.Sqs(_aws);
        var stepFunctions = new CountingStepFunctions();
        var handler = Bind(function, aws, stepFunctions);
        var uploadEvent = UploadEvent("7d6b8f0e-2c41-4b9a-a3c5-1e0f9d8b7a61", "incoming/one.txt");
        await sqs.SendMessageAsync(_queueUrl, uploadEvent, _timeout.Token);

        var drained = await InvokeAsync(handler, uploadEvent);
        var name = Assert.Single(stepFunctions.Started.Keys);
        while (stepFunctions.Finished < 1)
        {
            await Task.Delay(20, _timeout.Token);
        }

        var executionArn = LocalStateMachine.NewExecutionArn(name);
        var freed = await InvokeAsync(handler, new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(), ["detail-type"] = "Step Functions Execution Status Change", ["source"] = "aws.states",
            ["detail"] = new JsonObject { ["executionArn"] = executionArn, ["status"] = "SUCCEEDED" },
        }.ToJsonString());
        var reconciled = await InvokeAsync(handler, new JsonObject { ["detail-type"] = "Scheduled Event", ["source"] = "aws.events", ["detail"] = new JsonObject() }.ToJsonString());
        var refused = await Assert.ThrowsAsync<InvalidPipelineInputException>(() => InvokeAsync(handler, new JsonObject { ["detail-type"] = "Object Deleted", ["detail"] = new JsonObject() }.ToJsonString()));

        Assert.Equal("7d6b8f0e-2c41-4b9a-a3c5-1e0f9d8b7a61", name);
        Assert.Equal(1, (int)drained["started"]!);
        Assert.Equal(Limit, (int)freed["freeSlots"]!);
        Assert.Equal(0, (int)reconciled["reclaimed"]!);
        Assert.Contains("Object Deleted", refused.Message, StringComparison.Ordinal);
        Assert.Empty(_aws.Sqs.Messages(PipelineTemplate.Default.UploadQueue));

        var template = new TemplateValues(JsonNode.Parse(PipelineDefinition.TemplateJson)!.AsObject(), DeployTarget.Default);
        var audit = new CallAudit(template);
        var stateMachineId = Assert.Single(template.OfType("AWS::StepFunctions::StateMachine"));
        var stateMachineArn = template.Arn(stateMachineId);
        var executionInTemplate = stateMachineArn.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":" + name;
        var noContext = new Dictionary<string, string[]> { ["aws:SecureTransport"] = ["true"] };
        List<RecordedCall> calls =
        [
            .. RecordedCalls.From(template, _aws.Requests, []),
            // StartExecution is authorized on the state machine, DescribeExecution on the execution
            // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html).
            new(function.Role, "states:StartExecution", stateMachineId, stateMachineArn, noContext, "StartExecution"),
            new(function.Role, "states:DescribeExecution", stateMachineId, executionInTemplate, noContext, "DescribeExecution"),
        ];
        Assert.NotEmpty(calls);
        Assert.All(calls, call => Assert.Equal(function.Role, call.Role));
        Assert.All(calls.Select(audit.Evaluate), verdict => Assert.True(verdict.Verdict == Verdict.Allowed, RecordedCalls.Describe(verdict)));
        // ChangeMessageVisibility is used only by the loser of a race between two gates, which the test above runs with this role.
        var raceOnly = new Dictionary<string, string>(AwsOnlyGrants.LambdaService, StringComparer.Ordinal)
        {
            ["sqs:ChangeMessageVisibility"] = "used when two gates race for the last slot: Two_gates_racing_start_no_more_than_the_limit_and_put_back_what_they_could_not_start",
        };
        Assert.All(audit.Grants(function.Role, calls, raceOnly), grant => Assert.True(grant.Used || grant.Reason is not null, RecordedCalls.Describe(grant)));
    }

    private static BufferedHandler Bind(TemplateFunction function, PipelineAwsClients aws, IStepFunctions stepFunctions)
    {
        var settings = PipelineSettings.FromEnvironment(name => function.Environment.GetValueOrDefault(name) ?? (name is "AWS_REGION" ? LocalAwsClients.Region : null));
        var handlers = new LambdaHandlerRegistry();
        new PipelineFunctions(settings, aws, new NoChat(), stepFunctions: stepFunctions).MapHandlers(handlers);
        return handlers.ResolveBuffered(function.Handler);
    }

    private async Task<JsonObject> InvokeAsync(BufferedHandler handler, string payload)
    {
        var context = new LambdaContext(
            Guid.NewGuid().ToString(), "arn:aws:lambda:us-east-1:123456789012:function:gate", DateTimeOffset.UtcNow.AddMinutes(1),
            new DiscardingLogger(), new LambdaFunctionInfo("gate", "$LATEST", 512, "/aws/lambda/gate", "local"), cancellationToken: _timeout.Token);
        var answer = await handler(System.Text.Encoding.UTF8.GetBytes(payload), context);
        return JsonNode.Parse(answer.Span)!.AsObject();
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

    private sealed class DiscardingLogger : ILambdaLogger
    {
        public void Log(LambdaLogLevel level, string message, Exception? exception = null)
        {
        }
    }

    /// <summary>The gate never analyses a document; a chat call here is a bug.</summary>
    private sealed class NoChat : Microsoft.Extensions.AI.IChatClient
    {
        public Task<Microsoft.Extensions.AI.ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("The gate called the model.");

        public IAsyncEnumerable<Microsoft.Extensions.AI.ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("The gate called the model.");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

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

        /// <summary>How long an execution runs; infinite keeps every started one running for the test's life.</summary>
        public TimeSpan? RunFor { get; init; }

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

            if (RunFor == Timeout.InfiniteTimeSpan)
            {
                return Task.FromResult(new StartedExecution(arn, false, null));
            }

            _ = Task.Run(async () =>
            {
                await Task.Delay(RunFor ?? TimeSpan.FromMilliseconds(Random.Shared.Next(100, 250)), CancellationToken.None);
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
