using System.Diagnostics;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;
using ReferenceArchitectures.BatchWorker;
using ReferenceArchitectures.Bedrock;
using ReferenceArchitectures.Cdk.HybridPipeline;
using ReferenceArchitectures.Documents;
using ReferenceArchitectures.Embeddings;
using ReferenceArchitectures.Functions.DocumentPipeline;
using ReferenceArchitectures.LambdaRuntime;
using ReferenceArchitectures.Pipeline;
using ReferenceArchitectures.Testing.LocalAws;
using ReferenceArchitectures.Testing.LocalBedrock;

namespace ReferenceArchitectures.Benchmarks.Pipeline;

/// <summary>One document through one path: wall-clock seconds of each step, the embedding time and the model calls.</summary>
public sealed record PathRun(
    ProcessingPath Path,
    BenchmarkDocument Document,
    double PreprocessSeconds,
    double AnalysisSeconds,
    double StoreSeconds,
    double EmbeddingSeconds,
    ModelCallCount Model)
{
    /// <summary>Preprocess, the analysis (the analyze function or the worker task's run) and Store; no Fargate start.</summary>
    public double Seconds => PreprocessSeconds + AnalysisSeconds + StoreSeconds;
}

/// <summary>
/// The code both paths run in AWS, called in-process the way the state machine calls it: the Preprocess, Analyze and
/// Store entry points of the Lambda function, and <see cref="BatchWorkerJob.RunAsync"/>, which the container's Main
/// calls; over local S3, DynamoDB and SQS and a local Bedrock endpoint. One document at a time.
/// </summary>
public sealed class PipelinePaths : IAsyncDisposable
{
    private const string Region = "us-east-1";
    private const string InputBucket = "benchmark-input";
    private const string OutputBucket = "benchmark-output";
    private const string Table = "benchmark-documents";

    private readonly HybridPipelineStackProps _stack;
    private readonly LocalAwsServer _aws;
    private readonly LocalBedrockServer _bedrock;
    private readonly HttpClient _http;
    private readonly BedrockChatClient _chat;
    private readonly PipelineAwsClients _clients;
    private readonly PipelineFunctions _functions;
    private readonly MeteredEmbeddingGenerator _embeddings;
    private ModelledModel _model;
    private int _runs;

    private PipelinePaths(HybridPipelineStackProps stack, LocalAwsServer aws, LocalBedrockServer bedrock, EmbeddingEngine engine)
    {
        _stack = stack;
        _aws = aws;
        _bedrock = bedrock;
        aws.S3.CreateBucket(InputBucket, versioned: true);
        aws.S3.CreateBucket(OutputBucket);
        aws.DynamoDb.CreateTable(Table, "pk");
        var queueUrl = aws.Sqs.CreateQueue("benchmark-dead-letters");

        AWSCredentials credentials = new BasicAWSCredentials("AKIDBENCHMARK", "benchmark/local/secret/EXAMPLEKEY");
        var endpoint = aws.Endpoint.ToString();
        _clients = new PipelineAwsClients(
            new AmazonS3Client(credentials, new AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true, AuthenticationRegion = Region }),
            new AmazonDynamoDBClient(credentials, new AmazonDynamoDBConfig { ServiceURL = endpoint, AuthenticationRegion = Region }),
            new AmazonSQSClient(credentials, new AmazonSQSConfig { ServiceURL = endpoint, AuthenticationRegion = Region }));

        // The production client with its production retry settings; only the endpoint and the signing keys are local.
        _http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        _chat = new BedrockChatClient(
            _http,
            new BedrockClientOptions { Region = bedrock.Region, ModelId = stack.ModelId, Endpoint = bedrock.Endpoint },
            new StaticAwsCredentialSource(bedrock.Credentials.AccessKeyId, bedrock.Credentials.SecretAccessKey, bedrock.Credentials.SessionToken));
        _functions = new PipelineFunctions(new PipelineSettings
        {
            Region = Region,
            OutputBucket = OutputBucket,
            TableName = Table,
            DeadLetterQueueUrl = queueUrl,
            ModelId = stack.ModelId,
            Categories = stack.DocumentCategories,
        }, _clients, _chat);
        _embeddings = new MeteredEmbeddingGenerator(new OnnxEmbeddingGenerator(engine));
        _model = new ModelledModel(ModelLatency.Instant);
        UseModel(_model);
    }

    public static async Task<PipelinePaths> StartAsync(HybridPipelineStackProps stack, EmbeddingEngine engine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(engine);
        var aws = await LocalAwsServer.StartAsync(cancellationToken);
        var bedrock = await LocalBedrockServer.StartAsync(ct: cancellationToken);
        return new PipelinePaths(stack, aws, bedrock, engine);
    }

    /// <summary>The model behind the local endpoint for the runs that follow.</summary>
    public void UseModel(ModelledModel model)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _bedrock.DefaultBehaviour = model.Behaviour;
    }

    public async Task<PathRun> RunAsync(ProcessingPath path, BenchmarkDocument document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var key = $"incoming/benchmark/{++_runs:D4}-{path.ToString().ToLowerInvariant()}.{document.Extension}";
        var versionId = _aws.S3.PutObject(InputBucket, key, document.Content, document.ContentType);
        _model.TakeCount();
        _embeddings.TakeElapsed();

        var started = Stopwatch.GetTimestamp();
        var preprocessed = await InvokeAsync(_functions.PreprocessAsync, "preprocess", _stack.PreprocessTimeoutSeconds, _stack.StepMemorySizeMb,
            JsonSerializer.SerializeToUtf8Bytes(new PreprocessRequest(InputBucket, key, versionId, document.Bytes), PipelineJsonContext.Default.PreprocessRequest), cancellationToken);
        var descriptor = JsonSerializer.Deserialize(preprocessed.Span, PipelineJsonContext.Default.DocumentDescriptor)!;
        if (descriptor.Status != DocumentDescriptor.Accepted)
        {
            throw new InvalidOperationException($"Preprocess did not accept the benchmark's {document.Label}: {descriptor.Status} {descriptor.Reason}");
        }

        var analysisStarted = Stopwatch.GetTimestamp();
        if (path == ProcessingPath.Light)
        {
            await InvokeAsync(_functions.AnalyzeAsync, "analyze", _stack.AnalyzeTimeoutSeconds, _stack.AnalyzeMemorySizeMb, preprocessed, cancellationToken);
        }
        else
        {
            await RunWorkerAsync(descriptor, cancellationToken);
        }

        var storeStarted = Stopwatch.GetTimestamp();
        var stored = await InvokeAsync(_functions.StoreAsync, "store", _stack.StoreTimeoutSeconds, _stack.StepMemorySizeMb,
            JsonSerializer.SerializeToUtf8Bytes(new StoreRequest(descriptor), PipelineJsonContext.Default.StoreRequest), cancellationToken);
        var finished = Stopwatch.GetTimestamp();
        var outcome = JsonSerializer.Deserialize(stored.Span, PipelineJsonContext.Default.StoreOutcome)!;
        if (outcome.Status != DocumentLedger.Completed)
        {
            throw new InvalidOperationException($"Store recorded {outcome.Status} for the benchmark's {document.Label}, not {DocumentLedger.Completed}.");
        }

        return new PathRun(
            path,
            document,
            Stopwatch.GetElapsedTime(started, analysisStarted).TotalSeconds,
            Stopwatch.GetElapsedTime(analysisStarted, storeStarted).TotalSeconds,
            Stopwatch.GetElapsedTime(storeStarted, finished).TotalSeconds,
            _embeddings.TakeElapsed().TotalSeconds,
            _model.TakeCount());
    }

    private static async Task<ReadOnlyMemory<byte>> InvokeAsync(BufferedHandler handler, string name, int timeoutSeconds, int memoryMb, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var context = new LambdaContext(
            Guid.NewGuid().ToString(),
            $"arn:aws:lambda:{Region}:{LocalAwsServer.AccountId}:function:{name}",
            DateTimeOffset.UtcNow.AddSeconds(timeoutSeconds),
            DiscardingLogger.Instance,
            new LambdaFunctionInfo(name, "$LATEST", memoryMb, "/aws/lambda/" + name, "benchmark"),
            cancellationToken: cancellationToken);
        return await handler(payload, context);
    }

    /// <summary>The worker as the task definition and the state machine's overrides configure it.</summary>
    private async Task RunWorkerAsync(DocumentDescriptor descriptor, CancellationToken cancellationToken)
    {
        var settings = new WorkerSettings
        {
            Region = Region,
            DocumentBucket = descriptor.Bucket,
            DocumentKey = descriptor.Key,
            DocumentVersionId = descriptor.VersionId,
            OutputBucket = OutputBucket,
            ModelId = _stack.ModelId,
            Categories = _stack.DocumentCategories,
            MaxParallelCalls = _stack.WorkerMaxParallelCalls,
        };
        await new BatchWorkerJob(settings, _clients, _chat, _embeddings, TextWriter.Null).RunAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _embeddings.Dispose();
        _chat.Dispose();
        _clients.Dispose();
        _http.Dispose();
        await _bedrock.DisposeAsync();
        await _aws.DisposeAsync();
    }

    private sealed class DiscardingLogger : ILambdaLogger
    {
        public static DiscardingLogger Instance { get; } = new();

        public void Log(LambdaLogLevel level, string message, Exception? exception = null)
        {
            // The benchmark times the steps; their log lines would only add console I/O to the figures.
        }
    }
}
