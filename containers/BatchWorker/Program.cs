using ReferenceArchitectures.BatchWorker;
using ReferenceArchitectures.Bedrock;
using ReferenceArchitectures.Embeddings;
using ReferenceArchitectures.Pipeline;

// Pattern 4's heavy path, as an ECS task started by Step Functions (RunTask .sync). Exit code 0 means the result
// and the embeddings are in the output bucket; anything else fails the state, whose Catch records the failure.
using var stopping = new CancellationTokenSource();
AppDomain.CurrentDomain.ProcessExit += (_, _) => stopping.Cancel(); // ECS sends SIGTERM before it stops a task.

try
{
    var settings = WorkerSettings.FromEnvironment(Environment.GetEnvironmentVariable);
    using var aws = PipelineAwsClients.FromEnvironment(settings.Region, Environment.GetEnvironmentVariable);
    var bedrock = new BedrockClientOptions { Region = settings.Region, ModelId = settings.ModelId, Endpoint = settings.BedrockEndpoint };
    bedrock.Validate();
    using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
    using var chat = new BedrockChatClient(http, bedrock);
    using var engine = await EmbeddingEngine.CreateAsync(EmbeddingModelSource.AllMiniLmL6V2, new EmbeddingEngineOptions(), stopping.Token);
    using var embeddings = new OnnxEmbeddingGenerator(engine);

    await new BatchWorkerJob(settings, aws, chat, embeddings, Console.Out).RunAsync(stopping.Token);
    return 0;
}
catch (Exception ex) when (ex is not OutOfMemoryException)
{
    await Console.Error.WriteLineAsync($$"""{"level":"ERROR","errorType":"{{ex.GetType().Name}}","message":{{System.Text.Json.JsonSerializer.Serialize(ex.Message, BatchWorkerJson.Default.String)}}}""");
    return 1;
}

namespace ReferenceArchitectures.BatchWorker
{
    [System.Text.Json.Serialization.JsonSerializable(typeof(string))]
    internal sealed partial class BatchWorkerJson : System.Text.Json.Serialization.JsonSerializerContext;
}
