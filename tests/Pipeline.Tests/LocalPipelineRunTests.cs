using System.Text;
using System.Text.Json.Nodes;
using ReferenceArchitectures.Cdk.HybridPipeline;
using ReferenceArchitectures.Testing.LocalAws;
using States = ReferenceArchitectures.Cdk.HybridPipeline.HybridPipelineStack.StateNames;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>
/// The synthesized state machine run in aws-local-stepfunctions, its Task states bound to C# stand-ins over local
/// S3, DynamoDB and SQS: every route, and what retries, catches and timeouts do with injected faults. Slow: each run
/// starts aws-local-stepfunctions in Node.js (about 33 CPU-seconds for the class on the 2-core build machine).
/// </summary>
[Trait("Category", "Slow")]
public sealed class LocalPipelineRunTests : IAsyncLifetime, IDisposable
{
    private static readonly long LightMaxBytes = new HybridPipelineStackProps().LightMaxBytes;
    private static readonly int LightMaxPages = new HybridPipelineStackProps().LightMaxPages;
    private static readonly long LightMaxCharacters = new HybridPipelineStackProps().LightMaxCharacters;

    private readonly CancellationTokenSource timeout = new(TimeSpan.FromMinutes(2));
    private LocalAwsServer aws = null!;
    private PipelineTaskHost host = null!;
    private StandInPipelineTasks tasks = null!;
    private LocalStateMachine stateMachine = null!;

    public async Task InitializeAsync()
    {
        aws = await LocalAwsServer.StartAsync(timeout.Token);
        host = await PipelineTaskHost.StartAsync(timeout.Token);
        tasks = new StandInPipelineTasks(aws);
        tasks.MapAll(host);
        stateMachine = new LocalStateMachine(PipelineDefinition.Json, host.Url);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await aws.DisposeAsync();
    }

    public void Dispose()
    {
        stateMachine.Dispose();
        tasks.Dispose();
        timeout.Dispose();
    }

    [Fact]
    public async Task Small_document_is_analyzed_in_lambda_and_completed()
    {
        var upload = Upload("incoming/notes.txt", 2_000);

        var outcome = await RunAsync(upload);

        Assert.True(outcome.Status == "SUCCEEDED", outcome.ToString());
        Assert.Equal([States.CheckUploadEvent, States.Preprocess, States.Route, States.Analyze, States.Store, States.Completed], outcome.States);
        Assert.Equal("COMPLETED", StatusOf(upload));
        Assert.Equal("light", (string?)outcome.Output!["analysis"]!["path"]);
        Assert.NotNull(aws.S3.GetObject(StandInPipelineTasks.OutputBucket, StandInPipelineTasks.ResultKey(upload.Key, upload.VersionId!)));
    }

    [Fact]
    public async Task Document_larger_than_the_threshold_runs_in_the_fargate_task_with_its_location()
    {
        var upload = Upload("incoming/big.md", (int)LightMaxBytes + 1);

        var outcome = await RunAsync(upload);

        Assert.Equal("SUCCEEDED", outcome.Status);
        Assert.Contains(States.AnalyzeLargeDocument, outcome.States);
        Assert.DoesNotContain(States.Analyze, outcome.States);
        var environment = Assert.Single(host.InvocationsOf(States.AnalyzeLargeDocument)).Input!["Overrides"]!["ContainerOverrides"]![0]!["Environment"]!.AsArray();
        Assert.Equal(
            new Dictionary<string, string?> { ["DOCUMENT_BUCKET"] = upload.Bucket, ["DOCUMENT_KEY"] = upload.Key, ["DOCUMENT_VERSION_ID"] = upload.VersionId },
            environment.ToDictionary(variable => (string)variable!["Name"]!, variable => (string?)variable!["Value"]));
        Assert.Equal("heavy", (string?)outcome.Output!["analysis"]!["path"]);
        Assert.Equal("COMPLETED", StatusOf(upload));
        Assert.NotNull(aws.S3.GetObject(StandInPipelineTasks.OutputBucket, StandInPipelineTasks.EmbeddingsKey(upload.Key, upload.VersionId!)));
    }

    [Fact]
    public async Task Small_document_with_more_pages_than_the_threshold_runs_in_the_fargate_task()
    {
        var upload = Upload("incoming/slides.pdf", 10_000, pages: LightMaxPages + 1);

        var outcome = await RunAsync(upload);

        Assert.Contains(States.AnalyzeLargeDocument, outcome.States);
    }

    [Fact]
    public async Task Document_exactly_at_all_thresholds_stays_in_lambda()
    {
        var upload = Upload("incoming/edge.pdf", (int)LightMaxBytes, pages: LightMaxPages, characters: LightMaxCharacters);

        var outcome = await RunAsync(upload);

        Assert.Contains(States.Analyze, outcome.States);
        Assert.DoesNotContain(States.AnalyzeLargeDocument, outcome.States);
    }

    [Fact]
    public async Task Unsupported_document_is_stored_as_rejected_without_analysis()
    {
        var upload = Upload("incoming/setup.exe", 500);

        var outcome = await RunAsync(upload);

        Assert.Equal("SUCCEEDED", outcome.Status);
        Assert.Equal([States.CheckUploadEvent, States.Preprocess, States.Route, States.Store, States.Completed], outcome.States);
        Assert.Equal("REJECTED", StatusOf(upload));
    }

    [Fact]
    public async Task Second_delivery_of_the_same_upload_does_no_second_processing()
    {
        var upload = Upload("incoming/twice.txt", 800);

        var first = await RunAsync(upload);
        var second = await RunAsync(upload);

        Assert.Equal("SUCCEEDED", first.Status);
        Assert.Equal("SUCCEEDED", second.Status);
        Assert.Equal([States.CheckUploadEvent, States.Preprocess, States.Route, States.AlreadyProcessed], second.States);
        Assert.Single(host.InvocationsOf(States.Analyze));
        Assert.Equal("COMPLETED", StatusOf(upload));
    }

    [Fact]
    public async Task Lambda_throttling_is_retried_as_the_definition_says()
    {
        host.Map(States.Analyze, Faults.FailFirst(2, "Lambda.TooManyRequestsException", tasks.AnalyzeAsync));
        var upload = Upload("incoming/busy.txt", 900);

        var outcome = await RunAsync(upload);

        Assert.Equal("SUCCEEDED", outcome.Status);
        Assert.Equal(2, outcome.RetriesOf(States.Analyze));
        Assert.Equal("COMPLETED", StatusOf(upload));
    }

    [Fact]
    public async Task Throttling_beyond_the_retry_limit_ends_in_the_dead_letter_queue()
    {
        host.Map(States.Analyze, Faults.FailFirst(100, "Lambda.TooManyRequestsException", tasks.AnalyzeAsync));
        var upload = Upload("incoming/always-busy.txt", 900);

        var outcome = await RunAsync(upload);

        Assert.Equal("FAILED", outcome.Status);
        Assert.Equal("DocumentProcessingFailed", outcome.Error);
        Assert.Equal(6, outcome.RetriesOf(States.Analyze));
        Assert.Equal("FAILED", StatusOf(upload));
        var deadLetter = JsonNode.Parse(Assert.Single(aws.Sqs.Messages(StandInPipelineTasks.DeadLetterQueue)).Body)!;
        Assert.Equal("Lambda.TooManyRequestsException", (string?)deadLetter["failure"]!["Error"]);
        Assert.Equal(upload.Key, (string?)deadLetter["input"]!["detail"]!["object"]!["key"]);
    }

    [Fact]
    public async Task Bedrock_throttling_that_outlasts_the_client_is_retried_by_the_state()
    {
        host.Map(States.Analyze, Faults.FailFirst(1, HybridPipelineStack.BedrockThrottledError, tasks.AnalyzeAsync));
        var upload = Upload("incoming/bedrock-busy.txt", 900);

        var outcome = await RunAsync(upload);

        Assert.Equal("SUCCEEDED", outcome.Status);
        Assert.Equal(1, outcome.RetriesOf(States.Analyze));
    }

    [Fact]
    public async Task Crashing_step_is_caught_recorded_and_dead_lettered()
    {
        host.Map(States.Store, Faults.Crash("the store handler has a bug"));
        var upload = Upload("incoming/crash.txt", 900);

        var outcome = await RunAsync(upload);

        Assert.Equal("FAILED", outcome.Status);
        Assert.Equal([States.RecordFailure, States.FailureRecorded, States.ProcessingFailed], outcome.States.TakeLast(3));
        Assert.Equal(0, outcome.RetriesOf(States.Store));
        var deadLetter = JsonNode.Parse(Assert.Single(aws.Sqs.Messages(StandInPipelineTasks.DeadLetterQueue)).Body)!;
        Assert.Equal(nameof(InvalidOperationException), (string?)deadLetter["failure"]!["Error"]);
        Assert.Contains("the store handler has a bug", (string?)deadLetter["failure"]!["Cause"], StringComparison.Ordinal);
        Assert.Equal("FAILED", StatusOf(upload));
    }

    [Fact]
    public async Task Task_timeout_is_caught_and_dead_lettered()
    {
        host.Map(States.Analyze, Faults.Hang());
        var upload = Upload("incoming/slow.txt", 900);

        var outcome = await RunAsync(upload, new LocalExecutionOptions(TaskTimeoutSeconds: new Dictionary<string, int> { [States.Analyze] = 1 }));

        Assert.Equal("FAILED", outcome.Status);
        var deadLetter = JsonNode.Parse(Assert.Single(aws.Sqs.Messages(StandInPipelineTasks.DeadLetterQueue)).Body)!;
        Assert.Equal("States.Timeout", (string?)deadLetter["failure"]!["Error"]);
        Assert.Equal("FAILED", StatusOf(upload));
    }

    [Fact]
    public async Task Crashed_worker_is_run_once_more_then_dead_lettered()
    {
        host.Map(States.AnalyzeLargeDocument, Faults.Crash("out of memory"));
        var upload = Upload("incoming/huge.txt", (int)LightMaxBytes * 2);

        var outcome = await RunAsync(upload);

        Assert.Equal("FAILED", outcome.Status);
        Assert.Equal(1, outcome.RetriesOf(States.AnalyzeLargeDocument));
        var deadLetter = JsonNode.Parse(Assert.Single(aws.Sqs.Messages(StandInPipelineTasks.DeadLetterQueue)).Body)!;
        Assert.Equal("States.TaskFailed", (string?)deadLetter["failure"]!["Error"]);
    }

    [Fact]
    public async Task Failure_recording_that_fails_still_leaves_a_dead_letter()
    {
        host.Map(States.Store, Faults.Crash("store broke"));
        host.Map(States.RecordFailure, Faults.Crash("the table is gone"));
        var upload = Upload("incoming/worst-case.txt", 900);

        var outcome = await RunAsync(upload);

        Assert.Equal("FAILED", outcome.Status);
        Assert.Equal([States.SendToDeadLetterQueue, States.ProcessingFailed], outcome.States.TakeLast(2));
        var deadLetter = JsonNode.Parse(Assert.Single(aws.Sqs.Messages(StandInPipelineTasks.DeadLetterQueue)).Body)!;
        Assert.Equal(upload.Key, (string?)deadLetter["input"]!["detail"]!["object"]!["key"]);
        Assert.Contains("the table is gone", (string?)deadLetter["recordFailureError"]!["Cause"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unexpected_preprocess_status_is_recorded_as_a_failure()
    {
        host.Map(States.Preprocess, async (input, cancellationToken) =>
        {
            var document = (await tasks.PreprocessAsync(input, cancellationToken))!;
            document["status"] = "quarantined";
            return document;
        });
        var upload = Upload("incoming/odd.txt", 100);

        var outcome = await RunAsync(upload);

        Assert.Equal("FAILED", outcome.Status);
        Assert.Contains(States.UnexpectedPreprocessStatus, outcome.States);
        var deadLetter = JsonNode.Parse(Assert.Single(aws.Sqs.Messages(StandInPipelineTasks.DeadLetterQueue)).Body)!;
        Assert.Equal("Pipeline.UnexpectedPreprocessStatus", (string?)deadLetter["failure"]!["Error"]);
    }

    [Fact]
    public async Task Every_document_ends_with_a_result_or_a_dead_letter_and_none_twice()
    {
        host.Map(States.Store, async (input, cancellationToken) =>
            (string?)input?["document"]?["key"] == "incoming/doomed.txt"
                ? throw new InvalidOperationException("doomed")
                : await tasks.StoreAsync(input, cancellationToken));
        var uploads = new[]
        {
            Upload("incoming/a.txt", 100), Upload("incoming/b.md", (int)LightMaxBytes + 10), Upload("incoming/c.pdf", 4_000, pages: 3),
            Upload("incoming/d.bin", 10), Upload("incoming/doomed.txt", 50),
        };

        foreach (var upload in uploads.Concat(uploads))
        {
            _ = await RunAsync(upload);
        }

        var statuses = uploads.Select(StatusOf).ToList();
        var completed = statuses.Count(status => status == "COMPLETED");
        var rejected = statuses.Count(status => status == "REJECTED");
        var deadLetters = aws.Sqs.Messages(StandInPipelineTasks.DeadLetterQueue).Count;
        Assert.Equal(["COMPLETED", "COMPLETED", "COMPLETED", "REJECTED", "FAILED"], statuses);
        Assert.Equal(uploads.Length, completed + rejected + deadLetters);
        Assert.Equal(4, host.InvocationsOf(States.Analyze).Count + host.InvocationsOf(States.AnalyzeLargeDocument).Count);
    }

    private Task<ExecutionOutcome> RunAsync(LocalS3Object upload, LocalExecutionOptions? options = null) =>
        stateMachine.RunAsync(ObjectCreatedEvent.For(upload), options, timeout.Token);

    private LocalS3Object Upload(string key, int bytes, int? pages = null, long? characters = null)
    {
        var metadata = new Dictionary<string, string>();
        if (pages is { } count)
        {
            metadata["pages"] = count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (characters is { } text)
        {
            metadata["characters"] = text.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var content = Encoding.ASCII.GetBytes(new string('x', bytes));
        var versionId = aws.S3.PutObject(StandInPipelineTasks.InputBucket, key, content, "application/octet-stream", metadata);
        return aws.S3.GetObject(StandInPipelineTasks.InputBucket, key, versionId)!;
    }

    private string? StatusOf(LocalS3Object upload) =>
        (string?)aws.DynamoDb.GetItem(StandInPipelineTasks.Table, StandInPipelineTasks.DocumentId(upload.Bucket, upload.Key, upload.VersionId!))?["status"]?["S"];
}
