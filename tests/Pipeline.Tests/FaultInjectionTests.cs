using System.Text.Json.Nodes;
using ReferenceArchitectures.Bedrock;
using ReferenceArchitectures.Cdk.HybridPipeline;
using ReferenceArchitectures.Testing.LocalAws;
using ReferenceArchitectures.Testing.LocalBedrock;
using ReferenceArchitectures.Tools.PipelineReplay;
using States = ReferenceArchitectures.Cdk.HybridPipeline.HybridPipelineStack.StateNames;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>
/// Faults injected into the synthesized state machine in aws-local-stepfunctions over the real entry points, including
/// the ones no Catch sees. After each execution, EventBridge's part runs as the template configures it
/// (<see cref="ExecutionStatusEvents"/>). Each test ends the same way: every upload is a result or exactly one dead
/// letter (the letters of one execution are one: RecordFailure's, the state machine's own and the status change), and
/// once the fault is gone, <c>pipeline-replay</c> (the command's own code, against the local endpoints and a local
/// StartExecution) turns every dead letter into a result.
/// </summary>
[Trait("Category", "Slow")]
public sealed class FaultInjectionTests(EmbeddingEngineFixture model) : IClassFixture<EmbeddingEngineFixture>, IAsyncLifetime, IDisposable
{
    private const long TestLightMaxBytes = 48 * 1024;
    private const int TestLightMaxPages = 5;

    private static readonly Lazy<string> LowThresholdTemplate = new(() =>
        PipelineDefinition.SynthesizeTemplate(new HybridPipelineStackProps { LightMaxBytes = TestLightMaxBytes, LightMaxPages = TestLightMaxPages }));

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(5));
    private readonly HttpClient _http = new();
    private LocalAwsServer _aws = null!;
    private LocalBedrockServer _bedrock = null!;
    private PipelineTaskHost _host = null!;
    private RealPipelineTasks _tasks = null!;
    private LocalStateMachine _stateMachine = null!;
    private ExecutionStatusEvents _events = null!;
    private LocalStepFunctions _stepFunctions = null!;
    private Amazon.SQS.AmazonSQSClient _sqs = null!;

    /// <summary>Whether the injected fault is still there; the replay runs once it is gone.</summary>
    private volatile bool _faulty = true;

    public async Task InitializeAsync()
    {
        _aws = await LocalAwsServer.StartAsync(_timeout.Token);
        _bedrock = await LocalBedrockServer.StartAsync();
        _bedrock.DefaultBehaviour = LocalAnalysisModel.Behaviour;
        _host = await PipelineTaskHost.StartAsync(_timeout.Token);
        _tasks = new RealPipelineTasks(_aws, _bedrock, model.Engine);
        _tasks.MapAll(_host);
        _stateMachine = new LocalStateMachine(PipelineDefinition.Resolve(LowThresholdTemplate.Value), _host.Url);
        _events = new ExecutionStatusEvents(LowThresholdTemplate.Value);
        _sqs = LocalAwsClients.Sqs(_aws);
        _stepFunctions = await LocalStepFunctions.StartAsync(RunAsync, _timeout.Token);
    }

    public async Task DisposeAsync()
    {
        await _stepFunctions.DisposeAsync();
        await _host.DisposeAsync();
        await _bedrock.DisposeAsync();
        await _aws.DisposeAsync();
    }

    public void Dispose()
    {
        _sqs.Dispose();
        _stateMachine.Dispose();
        _tasks.Dispose();
        _http.Dispose();
        _timeout.Dispose();
    }

    [Theory]
    [InlineData(States.Preprocess)]
    [InlineData(States.Analyze)]
    public async Task A_lambda_invoke_that_fails_after_the_claim_is_written_ends_in_one_dead_letter_and_a_replay_completes_it(string state)
    {
        // The function runs (the claim, the analysis or the record is written), then the invoke fails: a lost response.
        InjectAfter(state, () => new TaskFailedException("Lambda.ServiceException", "Injected: the function ran, its response was lost."));
        var upload = Upload("incoming/lost.txt");

        var outcome = await RunAsync(Event(upload));

        Assert.True(outcome.Status == "FAILED", outcome.ToString());
        Assert.Contains(States.RecordFailure, outcome.States);
        Assert.Equal(PipelineTimeBudget.LambdaServiceRetry.MaxAttempts, outcome.RetriesOf(state));
        await AssertEveryUploadIsAResultOrOneDeadLetterAsync(upload);
        await AssertReplayTurnsEveryDeadLetterIntoAResultAsync(upload);
    }

    [Fact]
    public async Task A_store_invoke_that_fails_after_the_result_is_written_ends_as_that_result_with_no_dead_letter()
    {
        InjectAfter(States.Store, () => new TaskFailedException("Lambda.ServiceException", "Injected: the function ran, its response was lost."));
        var upload = Upload("incoming/stored.txt");

        var outcome = await RunAsync(Event(upload));

        Assert.True(outcome.Status == "SUCCEEDED", outcome.ToString());
        Assert.Equal([States.RecordFailure, States.FailureRecorded, States.ResultRecordedBeforeTheError], outcome.States.TakeLast(3));
        Assert.Equal("COMPLETED", Status(upload));
        Assert.Empty(DeadLetters());
        await AssertEveryUploadIsAResultOrOneDeadLetterAsync(upload);
        await AssertReplayTurnsEveryDeadLetterIntoAResultAsync(upload);
    }

    [Fact]
    public async Task A_record_failure_invoke_that_never_runs_leaves_the_claim_and_one_dead_letter_and_a_replay_completes_it()
    {
        InjectAfter(States.Analyze, () => new TaskFailedException("Lambda.ServiceException", "Injected: the function ran, its response was lost."));
        InjectBefore(States.RecordFailure, () => new TaskFailedException("Lambda.ServiceException", "Injected: the function could not be invoked."));
        var upload = Upload("incoming/unrecorded.txt");

        var outcome = await RunAsync(Event(upload));

        Assert.True(outcome.Status == "FAILED", outcome.ToString());
        Assert.Equal([States.SendToDeadLetterQueue, States.ProcessingFailed], outcome.States.TakeLast(2));
        Assert.Equal("PROCESSING", Status(upload));
        await AssertEveryUploadIsAResultOrOneDeadLetterAsync(upload);
        await AssertReplayTurnsEveryDeadLetterIntoAResultAsync(upload);
    }

    [Fact]
    public async Task An_event_without_a_version_id_is_recorded_as_one_dead_letter_and_a_replay_completes_its_current_version()
    {
        var upload = Upload("incoming/unversioned.txt");
        var input = Event(upload);
        input["detail"]!["object"]!.AsObject().Remove("version-id");

        var outcome = await RunAsync(input);

        Assert.True(outcome.Status == "FAILED", outcome.ToString());
        Assert.Equal([States.CheckUploadEvent, States.NotAVersionedUpload, States.RecordFailure, States.FailureRecorded, States.ProcessingFailed], outcome.States);
        Assert.Empty(_host.InvocationsOf(States.Preprocess));
        _faulty = false;
        await AssertEveryUploadIsAResultOrOneDeadLetterAsync(upload);
        await AssertReplayTurnsEveryDeadLetterIntoAResultAsync(upload);
    }

    [Fact]
    public async Task An_output_over_256_KB_fails_past_every_catch_and_still_ends_in_one_dead_letter_that_a_replay_completes()
    {
        InjectResult(States.Analyze, result => result!.AsObject()["padding"] = new string('x', 300 * 1024));
        var upload = Upload("incoming/verbose.txt");

        var outcome = await RunAsync(Event(upload));

        Assert.True(outcome.Status == "FAILED", outcome.ToString());
        Assert.Equal("States.DataLimitExceeded", outcome.Error);
        Assert.DoesNotContain(States.RecordFailure, outcome.States);
        Assert.Equal("PROCESSING", Status(upload));
        await AssertEveryUploadIsAResultOrOneDeadLetterAsync(upload);
        await AssertReplayTurnsEveryDeadLetterIntoAResultAsync(upload);
    }

    [Fact]
    public async Task A_worker_killed_mid_task_is_run_once_more_then_dead_lettered_and_a_replay_completes_it()
    {
        var worker = _host.TaskOf(States.AnalyzeLargeDocument);
        var kills = 0;
        _host.Map(States.AnalyzeLargeDocument, async (environment, cancellationToken) =>
        {
            if (!_faulty)
            {
                return await worker(environment, cancellationToken);
            }

            // The container is stopped once it is at work: after its first model call has gone out.
            var before = _bedrock.Requests.Count;
            using var kill = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var run = worker(environment, kill.Token);
            await Task.WhenAny(run, _bedrock.WaitForRequestsAsync(before + 1, cancellationToken));
            Assert.False(run.IsCompleted, "the worker finished before it could be killed");
            kill.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            Interlocked.Increment(ref kills);
            // A stopped task fails the .sync integration with States.TaskFailed; 137 is a SIGKILL'd container's exit code.
            throw new TaskFailedException("States.TaskFailed", new JsonObject
            {
                ["StopCode"] = "TaskFailedToStart", ["StoppedReason"] = "Injected: task stopped by user",
                ["Containers"] = new JsonArray(new JsonObject { ["ExitCode"] = 137, ["LastStatus"] = "STOPPED" }),
            }.ToJsonString());
        });
        var upload = Upload("incoming/large.pdf");

        var outcome = await RunAsync(Event(upload));

        Assert.True(outcome.Status == "FAILED", outcome.ToString());
        Assert.Equal(2, kills);
        Assert.Equal("FAILED", Status(upload));
        await AssertEveryUploadIsAResultOrOneDeadLetterAsync(upload);
        await AssertReplayTurnsEveryDeadLetterIntoAResultAsync(upload);
        Assert.NotNull(_aws.S3.GetObject(StandInPipelineTasks.OutputBucket, StandInPipelineTasks.EmbeddingsKey(upload.Key, upload.VersionId!)));
    }

    [Fact]
    public async Task An_execution_that_times_out_ends_in_one_dead_letter_and_a_replay_completes_it()
    {
        var real = _host.TaskOf(States.Analyze);
        _host.Map(States.Analyze, async (input, cancellationToken) =>
        {
            if (_faulty)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return await real(input, cancellationToken);
        });
        var upload = Upload("incoming/slow.txt");
        var input = Event(upload);
        var startedAt = DateTimeOffset.UtcNow;

        var outcome = await _stateMachine.RunAsync(input, new LocalExecutionOptions(ExecutionTimeoutSeconds: 3), _timeout.Token);
        await _events.DeliverAsync(outcome, input, startedAt, _sqs, _timeout.Token);

        Assert.Equal("TIMED_OUT", outcome.Status);
        Assert.Equal("PROCESSING", Status(upload));
        await AssertEveryUploadIsAResultOrOneDeadLetterAsync(upload);
        await AssertReplayTurnsEveryDeadLetterIntoAResultAsync(upload);
    }

    [Fact]
    public async Task An_upload_event_that_eventbridge_could_not_deliver_is_started_by_the_replay()
    {
        var upload = Upload("incoming/undelivered.txt");
        // The rule target's dead-letter queue receives the event itself (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
        await _sqs.SendMessageAsync(_aws.Sqs.CreateQueue(StandInPipelineTasks.DeadLetterQueue), Event(upload).ToJsonString(), _timeout.Token);
        _faulty = false;

        await AssertEveryUploadIsAResultOrOneDeadLetterAsync(upload);
        await AssertReplayTurnsEveryDeadLetterIntoAResultAsync(upload);
    }

    [Fact]
    public async Task A_second_replay_run_starts_nothing_again()
    {
        InjectAfter(States.Analyze, () => new TaskFailedException("Lambda.ServiceException", "Injected."));
        var upload = Upload("incoming/twice.txt");
        _ = await RunAsync(Event(upload));
        _faulty = false;

        var first = await ReplayAsync(dryRun: false);
        await _stepFunctions.WhenIdleAsync();
        var second = await ReplayAsync(dryRun: false);

        Assert.Equal([ReplayAction.Started], first.Select(o => o.Action));
        Assert.Empty(second);
        Assert.Single(_stepFunctions.Started);
        Assert.Equal("COMPLETED", Status(upload));
    }

    [Fact]
    public async Task A_late_letter_of_an_execution_already_replayed_starts_nothing_again()
    {
        InjectAfter(States.Analyze, () => new TaskFailedException("Lambda.ServiceException", "Injected."));
        var upload = Upload("incoming/late.txt");
        _ = await RunAsync(Event(upload));
        var statusLetter = DeadLetters().Single(m => m.Body.Contains("Step Functions Execution Status Change", StringComparison.Ordinal)).Body;

        // The fault is still there: the replay's execution fails too and leaves letters of its own.
        var first = await ReplayAsync(dryRun: false);
        await _stepFunctions.WhenIdleAsync();
        // EventBridge delivers late: the first execution's status change arrives once more.
        await _sqs.SendMessageAsync(_aws.Sqs.CreateQueue(StandInPipelineTasks.DeadLetterQueue), statusLetter, _timeout.Token);
        _faulty = false;
        var second = await ReplayAsync(dryRun: false);
        await _stepFunctions.WhenIdleAsync();

        Assert.Equal([ReplayAction.Started], first.Select(o => o.Action));
        Assert.Equal([ReplayAction.Started, ReplayAction.AlreadyReplayed], second.Select(o => o.Action).Order());
        Assert.Equal(2, _stepFunctions.Started.Count);
        Assert.Equal("COMPLETED", Status(upload));
        Assert.Empty(DeadLetters());
    }

    [Fact]
    public async Task A_dry_run_lists_what_it_would_do_and_changes_nothing()
    {
        InjectAfter(States.Preprocess, () => new TaskFailedException("Lambda.ServiceException", "Injected."));
        var upload = Upload("incoming/dry.txt");
        _ = await RunAsync(Event(upload));
        var letters = DeadLetters().Count;

        var outcomes = await ReplayAsync(dryRun: true);

        var outcome = Assert.Single(outcomes);
        Assert.Equal(ReplayAction.Started, outcome.Action);
        Assert.StartsWith("would start replay-", outcome.Detail, StringComparison.Ordinal);
        Assert.Empty(_stepFunctions.Started);
        Assert.Equal(letters, DeadLetters().Count);
        Assert.Equal("FAILED", Status(upload));
    }

    /// <summary>Every upload is COMPLETED or REJECTED with no dead letter, or has the letters of exactly one execution.</summary>
    private async Task AssertEveryUploadIsAResultOrOneDeadLetterAsync(params LocalS3Object[] uploads)
    {
        await Task.Yield();
        var letters = DeadLetters().Select((m, i) => DeadLetterEntry.Parse(m.MessageId, i.ToString(System.Globalization.CultureInfo.InvariantCulture), m.Body)).ToList();
        Assert.All(letters, letter => Assert.NotNull(letter));
        foreach (var upload in uploads)
        {
            var executions = letters
                .Where(l => l!.Upload.Bucket == upload.Bucket && l.Upload.Key == upload.Key && (l.Upload.VersionId is null || l.Upload.VersionId == upload.VersionId))
                .Select(l => l!.GroupKey).Distinct().Count();
            var status = Status(upload);
            Assert.True(status is "COMPLETED" or "REJECTED" ? executions == 0 : executions == 1,
                $"{upload.Key}: ledger {status ?? "none"}, dead letters of {executions} execution(s)");
        }
    }

    private async Task AssertReplayTurnsEveryDeadLetterIntoAResultAsync(params LocalS3Object[] uploads)
    {
        _faulty = false;

        var outcomes = await ReplayAsync(dryRun: false);
        await _stepFunctions.WhenIdleAsync();

        Assert.All(outcomes, outcome => Assert.Equal(ReplayAction.Started, outcome.Action));
        Assert.All(uploads, upload => Assert.Equal("COMPLETED", Status(upload)));
        Assert.Empty(DeadLetters());
        await AssertEveryUploadIsAResultOrOneDeadLetterAsync(uploads);
    }

    private async Task<IReadOnlyList<ReplayOutcome>> ReplayAsync(bool dryRun)
    {
        using var clients = new PipelineAwsClients(LocalAwsClients.S3(_aws), LocalAwsClients.DynamoDb(_aws), LocalAwsClients.Sqs(_aws));
        var signer = new AwsRequestSigner(new StaticAwsCredentialSource(LocalStepFunctions.AccessKeyId, LocalStepFunctions.SecretAccessKey));
        var stepFunctions = new StepFunctionsClient(_http, signer, PipelineDefinition.Region, _stepFunctions.Endpoint);
        string[] args = ["--queue-url", _aws.Sqs.CreateQueue(StandInPipelineTasks.DeadLetterQueue), "--state-machine-arn", PipelineDefinition.StateMachineArn, "--table", StandInPipelineTasks.Table];
        using var errors = new StringWriter();
        var options = ReplayCommand.Parse(dryRun ? [.. args, "--dry-run"] : args, errors) ?? throw new InvalidOperationException(errors.ToString());
        using var output = new StringWriter();
        var outcomes = await new DeadLetterReplay(clients, stepFunctions, output).RunAsync(options, _timeout.Token);
        _tasks.Log.Enqueue("replay: " + output);
        return outcomes;
    }

    /// <summary>One execution, then EventBridge's part: the status-change event to every queue a rule of the template routes it to.</summary>
    private async Task<ExecutionOutcome> RunAsync(JsonNode input, string executionArn, CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var outcome = await _stateMachine.RunAsync(input, new LocalExecutionOptions(ExecutionId: executionArn), cancellationToken);
        await _events.DeliverAsync(outcome, input, startedAt, _sqs, cancellationToken);
        return outcome;
    }

    private Task<ExecutionOutcome> RunAsync(JsonNode input) => RunAsync(input, LocalStateMachine.NewExecutionArn(), _timeout.Token);

    private void InjectAfter(string state, Func<Exception> fault)
    {
        var real = _host.TaskOf(state);
        _host.Map(state, async (input, cancellationToken) =>
        {
            var result = await real(input, cancellationToken);
            return _faulty ? throw fault() : result;
        });
    }

    private void InjectBefore(string state, Func<Exception> fault)
    {
        var real = _host.TaskOf(state);
        _host.Map(state, (input, cancellationToken) => _faulty ? throw fault() : real(input, cancellationToken));
    }

    private void InjectResult(string state, Action<JsonNode?> change)
    {
        var real = _host.TaskOf(state);
        _host.Map(state, async (input, cancellationToken) =>
        {
            var result = await real(input, cancellationToken);
            if (_faulty)
            {
                change(result);
            }

            return result;
        });
    }

    private IReadOnlyList<LocalSqsMessage> DeadLetters() => _aws.Sqs.Messages(StandInPipelineTasks.DeadLetterQueue);

    private string? Status(LocalS3Object upload) =>
        (string?)_aws.DynamoDb.GetItem(StandInPipelineTasks.Table, StandInPipelineTasks.DocumentId(upload.Bucket, upload.Key, upload.VersionId!))?["status"]?["S"];

    private static JsonObject Event(LocalS3Object upload) => ObjectCreatedEvent.For(upload);

    private LocalS3Object Upload(string key)
    {
        var content = key.EndsWith(".pdf", StringComparison.Ordinal)
            ? Testing.DocumentCorpus.Corpus.Pdf(TestLightMaxPages + 1, key.Length)
            : Testing.DocumentCorpus.Corpus.Utf8(Testing.DocumentCorpus.Prose.Text(6_000, key.Length));
        var versionId = _aws.S3.PutObject(StandInPipelineTasks.InputBucket, key, content);
        return _aws.S3.GetObject(StandInPipelineTasks.InputBucket, key, versionId)!;
    }
}
