using System.Text.Json;
using System.Text.Json.Nodes;
using ReferenceArchitectures.Cdk.HybridPipeline;
using ReferenceArchitectures.Embeddings;
using ReferenceArchitectures.Testing.DocumentCorpus;
using ReferenceArchitectures.Testing.LocalAws;
using ReferenceArchitectures.Testing.LocalBedrock;
using States = ReferenceArchitectures.Cdk.HybridPipeline.HybridPipelineStack.StateNames;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>The embedding model, loaded once for all the runs of a class.</summary>
public sealed class EmbeddingEngineFixture : IAsyncLifetime
{
    public EmbeddingEngine Engine { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Engine = await EmbeddingEngine.CreateAsync(EmbeddingModelSource.AllMiniLmL6V2, new EmbeddingEngineOptions(), CancellationToken.None);

    public Task DisposeAsync()
    {
        Engine.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// The synthesized state machine in aws-local-stepfunctions with every Task bound to the real C# entry points, a
/// corpus of real documents of every type, small and large, through both paths, and injected faults. Every upload
/// must end as a result (COMPLETED or REJECTED) or a dead letter, and a re-delivered upload is not processed again.
/// </summary>
[Trait("Category", "Slow")]
public sealed class RealPipelineRunTests(EmbeddingEngineFixture model) : IClassFixture<EmbeddingEngineFixture>, IAsyncLifetime, IDisposable
{
    // Pattern 4 with lowered thresholds, so that a large document goes to the heavy path without embedding megabytes
    // in a unit test; the thresholds are stack props.
    private const long TestLightMaxBytes = 48 * 1024;
    private const int TestLightMaxPages = 5;

    private static readonly Lazy<string> LowThresholdDefinition = new(() =>
        PipelineDefinition.Resolve(PipelineDefinition.SynthesizeTemplate(
            new HybridPipelineStackProps { LightMaxBytes = TestLightMaxBytes, LightMaxPages = TestLightMaxPages })));

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(4));
    private LocalAwsServer _aws = null!;
    private LocalBedrockServer _bedrock = null!;
    private PipelineTaskHost _host = null!;
    private RealPipelineTasks _tasks = null!;
    private LocalStateMachine _stateMachine = null!;

    public async Task InitializeAsync()
    {
        _aws = await LocalAwsServer.StartAsync(_timeout.Token);
        _bedrock = await LocalBedrockServer.StartAsync();
        _bedrock.DefaultBehaviour = LocalAnalysisModel.Behaviour;
        _host = await PipelineTaskHost.StartAsync(_timeout.Token);
        _tasks = new RealPipelineTasks(_aws, _bedrock, model.Engine);
        _tasks.MapAll(_host);
        _stateMachine = new LocalStateMachine(LowThresholdDefinition.Value, _host.Url);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _bedrock.DisposeAsync();
        await _aws.DisposeAsync();
    }

    public void Dispose()
    {
        _stateMachine.Dispose();
        _tasks.Dispose();
        _timeout.Dispose();
    }

    public static TheoryData<string, string, string> Corpus => new()
    {
        { "incoming/small.txt", "txt", "light" },
        { "incoming/small.md", "md", "light" },
        { "incoming/small.html", "html", "light" },
        { "incoming/small.docx", "docx", "light" },
        { "incoming/small.pdf", "pdf", "light" },
        { "incoming/large.md", "md", "heavy" },
        { "incoming/large.pdf", "pdf", "heavy" },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task A_real_document_takes_the_path_its_size_calls_for_and_is_completed(string key, string type, string path)
    {
        var upload = Upload(key, Document(key));

        var outcome = await RunAsync(upload);

        Assert.True(outcome.Status == "SUCCEEDED", outcome.ToString());
        Assert.Contains(path == "light" ? States.Analyze : States.AnalyzeLargeDocument, outcome.States);
        var record = Ledger(upload)!;
        Assert.Equal("COMPLETED", (string?)record["status"]!["S"]);
        Assert.Contains((string?)record["category"]!["S"], RealPipelineTasks.Categories);
        var result = JsonNode.Parse(_aws.S3.GetObject(StandInPipelineTasks.OutputBucket, StandInPipelineTasks.ResultKey(upload.Key, upload.VersionId!))!.Content)!;
        Assert.Equal(type, (string?)result["documentType"]);
        Assert.True((long)result["usage"]!["inputTokens"]! > 0);
        if (path == "heavy")
        {
            var lines = System.Text.Encoding.UTF8.GetString(_aws.S3.GetObject(StandInPipelineTasks.OutputBucket, StandInPipelineTasks.EmbeddingsKey(upload.Key, upload.VersionId!))!.Content)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length > 1, "expected an embedding per chunk");
            Assert.All(lines, line => Assert.Equal(384, JsonDocument.Parse(line).RootElement.GetProperty("embedding").GetArrayLength()));
        }
    }

    [Theory]
    [InlineData("incoming/picture.pdf")]
    [InlineData("incoming/truncated.pdf")]
    public async Task An_unsupported_or_corrupt_upload_is_recorded_as_rejected_with_its_reason(string key)
    {
        var content = key.Contains("truncated", StringComparison.Ordinal)
            ? Testing.DocumentCorpus.Corpus.Pdf(3)[..2_000]
            : Testing.DocumentCorpus.Corpus.Png();
        var upload = Upload(key, content);

        var outcome = await RunAsync(upload);

        Assert.True(outcome.Status == "SUCCEEDED", outcome.ToString());
        Assert.DoesNotContain(States.Analyze, outcome.States);
        var record = Ledger(upload)!;
        Assert.Equal("REJECTED", (string?)record["status"]!["S"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)record["reason"]!["S"]));
    }

    [Fact]
    public async Task A_pdf_without_a_text_layer_fails_in_analysis_and_is_dead_lettered()
    {
        var upload = Upload("incoming/scan.pdf", Testing.DocumentCorpus.Corpus.PdfWithoutText());

        var outcome = await RunAsync(upload);

        Assert.Equal("FAILED", outcome.Status);
        Assert.Contains(States.RecordFailure, outcome.States);
        Assert.Equal("FAILED", (string?)Ledger(upload)!["status"]!["S"]);
        var letter = JsonNode.Parse(Assert.Single(DeadLetters()).Body)!;
        Assert.Equal("DocumentUnreadableException", (string?)letter["error"]);
        Assert.Equal(upload.Key, (string?)letter["key"]);
    }

    [Fact]
    public async Task Bedrock_throttling_that_outlasts_the_client_is_retried_by_the_state_and_then_completes()
    {
        var attempts = new ReferenceArchitectures.Bedrock.BedrockClientOptions { Region = "us-east-1", ModelId = "m" }.MaxAttempts;
        _bedrock.Enqueue(Behaviour.Throttling(), times: attempts);
        var upload = Upload("incoming/busy.txt", Document("incoming/busy.txt"));

        var outcome = await RunAsync(upload);

        Assert.True(outcome.Status == "SUCCEEDED", outcome.ToString());
        Assert.Equal(1, outcome.RetriesOf(States.Analyze));
        Assert.Equal("COMPLETED", (string?)Ledger(upload)!["status"]!["S"]);
    }

    [Fact]
    public async Task A_model_that_keeps_answering_off_schema_crashes_the_step_and_the_document_is_dead_lettered()
    {
        _bedrock.DefaultBehaviour = LocalAnalysisModel.OffSchema;
        var upload = Upload("incoming/odd.txt", Document("incoming/odd.txt"));

        var outcome = await RunAsync(upload);

        Assert.Equal("FAILED", outcome.Status);
        Assert.Equal("FAILED", (string?)Ledger(upload)!["status"]!["S"]);
        Assert.Equal("DocumentAnalysisException", (string?)JsonNode.Parse(Assert.Single(DeadLetters()).Body)!["error"]);
    }

    [Fact]
    public async Task A_step_that_outruns_its_timeout_is_caught_and_dead_lettered()
    {
        _bedrock.Enqueue(Behaviour.Delay(TimeSpan.FromSeconds(30)));
        var upload = Upload("incoming/slow.txt", Document("incoming/slow.txt"));

        var outcome = await RunAsync(upload, new LocalExecutionOptions(TaskTimeoutSeconds: new Dictionary<string, int> { [States.Analyze] = 2 }));

        Assert.Equal("FAILED", outcome.Status);
        Assert.Equal("FAILED", (string?)Ledger(upload)!["status"]!["S"]);
        Assert.Equal("States.Timeout", (string?)JsonNode.Parse(Assert.Single(DeadLetters()).Body)!["error"]);
    }

    [Fact]
    public async Task Every_upload_ends_as_a_result_or_a_dead_letter_and_a_redelivery_replays_only_what_failed()
    {
        string[] keys = ["incoming/a.txt", "incoming/b.html", "incoming/c.docx", "incoming/large.md", "incoming/e.pdf"];
        var uploads = keys.Select(key => Upload(key, Document(key))).ToList();
        uploads.Add(Upload("incoming/f.pdf", Testing.DocumentCorpus.Corpus.Png()));
        uploads.Add(Upload("incoming/g.pdf", Testing.DocumentCorpus.Corpus.PdfWithoutText()));

        foreach (var upload in uploads)
        {
            _ = await RunAsync(upload);
        }

        var analysesAfterFirstDelivery = AnalysisRuns();
        var deadLettersAfterFirstDelivery = DeadLetters().Count;
        var secondDelivery = new List<ExecutionOutcome>();
        foreach (var upload in uploads)
        {
            secondDelivery.Add(await RunAsync(upload));
        }

        var statuses = uploads.Select(u => (string?)Ledger(u)?["status"]?["S"]).ToList();
        Assert.Equal(["COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED", "REJECTED", "FAILED"], statuses);
        Assert.Equal(uploads.Count, _aws.DynamoDb.Items(StandInPipelineTasks.Table).Count);
        Assert.Equal(6, analysesAfterFirstDelivery);
        Assert.Equal(uploads.Count, statuses.Count(s => s is "COMPLETED" or "REJECTED") + deadLettersAfterFirstDelivery);

        // A result is never processed twice; a FAILED document's claim is open to a new execution, so delivering its
        // event again is a replay: here its fault is still there, so it fails again and is dead-lettered once more.
        var failed = statuses.IndexOf("FAILED");
        Assert.All(secondDelivery.Where((_, i) => i != failed), outcome => Assert.Contains("AlreadyProcessed", outcome.States));
        Assert.DoesNotContain("AlreadyProcessed", secondDelivery[failed].States);
        Assert.Equal(analysesAfterFirstDelivery + 1, AnalysisRuns());
        Assert.Equal(deadLettersAfterFirstDelivery + 1, DeadLetters().Count);
    }

    private int AnalysisRuns() => _host.InvocationsOf(States.Analyze).Count + _host.InvocationsOf(States.AnalyzeLargeDocument).Count;

    private IReadOnlyList<LocalSqsMessage> DeadLetters() => _aws.Sqs.Messages(StandInPipelineTasks.DeadLetterQueue);

    private JsonObject? Ledger(LocalS3Object upload) =>
        _aws.DynamoDb.GetItem(StandInPipelineTasks.Table, StandInPipelineTasks.DocumentId(upload.Bucket, upload.Key, upload.VersionId!));

    private Task<ExecutionOutcome> RunAsync(LocalS3Object upload, LocalExecutionOptions? options = null) =>
        _stateMachine.RunAsync(ObjectCreatedEvent.For(upload), options, _timeout.Token);

    private LocalS3Object Upload(string key, byte[] content)
    {
        var versionId = _aws.S3.PutObject(StandInPipelineTasks.InputBucket, key, content);
        return _aws.S3.GetObject(StandInPipelineTasks.InputBucket, key, versionId)!;
    }

    // Small documents are a few pages of prose; "large" ones cross a threshold: bytes for text, pages for PDF.
    private static byte[] Document(string key)
    {
        var large = key.Contains("large", StringComparison.Ordinal);
        var seed = key.Length;
        return Path.GetExtension(key) switch
        {
            ".txt" => Testing.DocumentCorpus.Corpus.Utf8(Prose.Text(6_000, seed)),
            ".md" => Testing.DocumentCorpus.Corpus.Markdown(Prose.Paragraphs(large ? (int)TestLightMaxBytes + 8_000 : 5_000, seed)),
            ".html" => Testing.DocumentCorpus.Corpus.Html(Prose.Paragraphs(5_000, seed)),
            ".docx" => Testing.DocumentCorpus.Corpus.Docx(Prose.Paragraphs(5_000, seed)),
            ".pdf" => Testing.DocumentCorpus.Corpus.Pdf(large ? TestLightMaxPages + 1 : 2, seed),
            var other => throw new ArgumentException($"no generator for {other}", nameof(key)),
        };
    }
}
