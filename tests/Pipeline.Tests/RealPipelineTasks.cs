using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ReferenceArchitectures.BatchWorker;
using ReferenceArchitectures.Bedrock;
using ReferenceArchitectures.Embeddings;
using ReferenceArchitectures.Functions.DocumentPipeline;
using ReferenceArchitectures.LambdaRuntime;
using ReferenceArchitectures.Testing.LocalAws;
using ReferenceArchitectures.Testing.LocalBedrock;
using States = ReferenceArchitectures.Cdk.HybridPipeline.HybridPipelineStack.StateNames;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>
/// Binds every Task state to the code that runs in AWS: the four <see cref="PipelineFunctions"/> entry points the
/// Lambda runtime calls, and <see cref="BatchWorkerJob.RunAsync"/>, which the container's Main calls; over the local
/// S3, DynamoDB and SQS and a local Bedrock endpoint. Only SendToDeadLetterQueue, an SQS service integration that
/// runs no code of ours, keeps its stand-in.
/// </summary>
public sealed class RealPipelineTasks : IDisposable
{
    public static readonly string[] Categories = ["invoice", "contract", "report", "correspondence", "other"];

    private readonly LocalAwsServer _aws;
    private readonly StandInPipelineTasks _standIns;
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly PipelineAwsClients _clients;
    private readonly BedrockChatClient _chat;
    private readonly PipelineFunctions _functions;
    private readonly IReadOnlyDictionary<string, string> _workerEnvironment;
    private readonly OnnxEmbeddingGenerator _embeddings;

    public RealPipelineTasks(LocalAwsServer aws, LocalBedrockServer bedrock, EmbeddingEngine engine)
    {
        ArgumentNullException.ThrowIfNull(aws);
        ArgumentNullException.ThrowIfNull(bedrock);
        _aws = aws;
        _standIns = new StandInPipelineTasks(aws);
        _clients = new PipelineAwsClients(LocalAwsClients.S3(aws), LocalAwsClients.DynamoDb(aws), LocalAwsClients.Sqs(aws));
        var credentials = new StaticAwsCredentialSource(bedrock.Credentials.AccessKeyId, bedrock.Credentials.SecretAccessKey, bedrock.Credentials.SessionToken);
        _chat = new BedrockChatClient(_http, new BedrockClientOptions
        {
            Region = bedrock.Region,
            ModelId = ModelId,
            Endpoint = bedrock.Endpoint,
            // The client's backoff is real time; keep it short so fault tests stay quick.
            BaseDelay = TimeSpan.FromMilliseconds(5),
            MaxDelay = TimeSpan.FromMilliseconds(20),
        }, credentials);
        _functions = new PipelineFunctions(new PipelineSettings
        {
            Region = LocalAwsClients.Region,
            OutputBucket = StandInPipelineTasks.OutputBucket,
            TableName = StandInPipelineTasks.Table,
            DeadLetterQueueUrl = aws.Sqs.CreateQueue(StandInPipelineTasks.DeadLetterQueue),
            ModelId = ModelId,
            Categories = Categories,
        }, _clients, _chat);
        _embeddings = new OnnxEmbeddingGenerator(engine);

        // What the task definition sets; the state machine adds the document's location as overrides.
        _workerEnvironment = new Dictionary<string, string>
        {
            ["AWS_REGION"] = LocalAwsClients.Region,
            ["OUTPUT_BUCKET"] = StandInPipelineTasks.OutputBucket,
            ["BEDROCK_MODEL_ID"] = ModelId,
            ["DOCUMENT_CATEGORIES"] = string.Join(',', Categories),
            ["MAX_PARALLEL_CALLS"] = "4",
        };
    }

    public const string ModelId = "amazon.nova-lite-v1:0";

    public ConcurrentQueue<string> Log { get; } = new();

    public void MapAll(PipelineTaskHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _standIns.MapAll(host);
        host.Map(States.Preprocess, Lambda(_functions.PreprocessAsync, "preprocess"))
            .Map(States.Analyze, Lambda(_functions.AnalyzeAsync, "analyze"))
            .Map(States.Store, Lambda(_functions.StoreAsync, "store"))
            .Map(States.RecordFailure, Lambda(_functions.RecordFailureAsync, "record-failure"))
            .Map(States.AnalyzeLargeDocument, RunWorkerAsync);
    }

    private PipelineTask Lambda(BufferedHandler handler, string name) => async (input, cancellationToken) =>
    {
        var payload = System.Text.Encoding.UTF8.GetBytes(input?.ToJsonString() ?? "null");
        var context = new LambdaContext(
            Guid.NewGuid().ToString(),
            $"arn:aws:lambda:{LocalAwsClients.Region}:{PipelineDefinition.AccountId}:function:{name}",
            DateTimeOffset.UtcNow.AddMinutes(5),
            new CollectingLogger(Log),
            new LambdaFunctionInfo(name, "$LATEST", 1024, "/aws/lambda/" + name, "local"),
            cancellationToken: cancellationToken);
        var answer = await handler(payload, context);
        return JsonNode.Parse(answer.Span);
    };

    private async Task<JsonNode?> RunWorkerAsync(JsonNode? overrides, CancellationToken cancellationToken)
    {
        var settings = WorkerSettings.FromEnvironment(name =>
            (string?)overrides?[name] ?? _workerEnvironment.GetValueOrDefault(name));
        using var log = new StringWriter();
        await new BatchWorkerJob(settings, _clients, _chat, _embeddings, log).RunAsync(cancellationToken);
        Log.Enqueue(log.ToString());
        return null;
    }

    public void Dispose()
    {
        _standIns.Dispose();
        _embeddings.Dispose();
        _chat.Dispose();
        _clients.Dispose();
        _http.Dispose();
    }

    private sealed class CollectingLogger(ConcurrentQueue<string> lines) : ILambdaLogger
    {
        public void Log(LambdaLogLevel level, string message, Exception? exception = null) =>
            lines.Enqueue($"{level}: {message}{(exception is null ? "" : " " + exception.GetType().Name)}");
    }
}
