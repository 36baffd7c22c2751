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
    private readonly LocalBedrockServer _bedrock;
    private readonly StandInPipelineTasks _standIns;
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly ConcurrentDictionary<string, Lazy<RoleClients>> _roles = new(StringComparer.Ordinal);
    private readonly OnnxEmbeddingGenerator _embeddings;

    public RealPipelineTasks(LocalAwsServer aws, LocalBedrockServer bedrock, EmbeddingEngine engine)
    {
        ArgumentNullException.ThrowIfNull(aws);
        ArgumentNullException.ThrowIfNull(bedrock);
        _aws = aws;
        _bedrock = bedrock;
        _standIns = new StandInPipelineTasks(aws);
        _embeddings = new OnnxEmbeddingGenerator(engine);
    }

    /// <summary>The SDK clients and the Bedrock client of one role: each function and the worker sign with their own role's credentials.</summary>
    private sealed record RoleClients(PipelineAwsClients Aws, BedrockChatClient Chat);

    private RoleClients ForRole(string role) => _roles.GetOrAdd(role, name => new Lazy<RoleClients>(() =>
    {
        var credentials = RoleCredentials.For(name);
        var bedrockCredentials = RoleCredentials.ForBedrock(name);
        _bedrock.Accept(bedrockCredentials);
        var chat = new BedrockChatClient(_http, new BedrockClientOptions
        {
            Region = _bedrock.Region,
            ModelId = ModelId,
            Endpoint = _bedrock.Endpoint,
            // The client's backoff is real time; keep it short so fault tests stay quick.
            BaseDelay = TimeSpan.FromMilliseconds(5),
            MaxDelay = TimeSpan.FromMilliseconds(20),
        }, new StaticAwsCredentialSource(bedrockCredentials.AccessKeyId, bedrockCredentials.SecretAccessKey, bedrockCredentials.SessionToken));
        return new RoleClients(
            new PipelineAwsClients(LocalAwsClients.S3(_aws, credentials), LocalAwsClients.DynamoDb(_aws, credentials), LocalAwsClients.Sqs(_aws, credentials)),
            chat);
    })).Value;

    public const string ModelId = "amazon.nova-lite-v1:0";

    public ConcurrentQueue<string> Log { get; } = new();

    public void MapAll(PipelineTaskHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _standIns.MapAll(host);
        foreach (var state in LambdaStates)
        {
            host.Map(state, Lambda(BindFunction(PipelineTemplate.Default.FunctionOfState(state))));
        }

        host.Map(States.AnalyzeLargeDocument, RunWorkerAsync);
    }

    /// <summary>The Task states that invoke a Lambda function.</summary>
    public static IReadOnlyList<string> LambdaStates { get; } = [States.Preprocess, States.Analyze, States.Store, States.RecordFailure];

    /// <summary>
    /// Starts one function as Lambda would from the template: its environment (plus what Lambda itself sets), the code's
    /// own settings check, and its handler string resolved by the same registration Program.cs makes.
    /// </summary>
    /// <exception cref="LambdaHandlerNotFoundException">The template's handler is not one the code registers.</exception>
    /// <exception cref="InvalidOperationException">The code's settings check refuses the template's environment.</exception>
    public (TemplateFunction Function, BufferedHandler Handler) BindFunction(TemplateFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var role = ForRole(function.Role);
        return (function, Bind(function, role.Aws, role.Chat));
    }

    /// <inheritdoc cref="BindFunction"/>
    public static BufferedHandler Bind(TemplateFunction function, PipelineAwsClients clients, Microsoft.Extensions.AI.IChatClient chat)
    {
        ArgumentNullException.ThrowIfNull(function);
        var settings = PipelineSettings.FromEnvironment(name => function.Environment.GetValueOrDefault(name) ?? LambdaSets(name, function));
        var handlers = new LambdaHandlerRegistry();
        new PipelineFunctions(settings, clients, chat).MapHandlers(handlers);
        return handlers.ResolveBuffered(function.Handler);
    }

    /// <summary>The worker's settings as the container reads them: the task definition's environment, the state's overrides on top.</summary>
    /// <exception cref="InvalidOperationException">The code's settings check refuses the environment.</exception>
    public static WorkerSettings WorkerSettingsFor(IReadOnlyDictionary<string, string> taskEnvironment, JsonNode? overrides) =>
        // The Region is set by Fargate in every task
        // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-environment-variables).
        WorkerSettings.FromEnvironment(name =>
            (string?)overrides?[name] ?? taskEnvironment.GetValueOrDefault(name) ?? (name is "AWS_REGION" or "AWS_DEFAULT_REGION" ? LocalAwsClients.Region : null));

    // Reserved variables the Lambda service sets in every function
    // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
    private static string? LambdaSets(string name, TemplateFunction function) => name switch
    {
        "AWS_REGION" or "AWS_DEFAULT_REGION" => LocalAwsClients.Region,
        "AWS_LAMBDA_FUNCTION_NAME" => function.LogicalId,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE" => function.MemorySizeMb.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };

    private PipelineTask Lambda((TemplateFunction Function, BufferedHandler Handler) bound) => async (input, cancellationToken) =>
    {
        var (function, handler) = bound;
        var payload = System.Text.Encoding.UTF8.GetBytes(input?.ToJsonString() ?? "null");
        var context = new LambdaContext(
            Guid.NewGuid().ToString(),
            $"arn:aws:lambda:{LocalAwsClients.Region}:{PipelineDefinition.AccountId}:function:{function.LogicalId}",
            DateTimeOffset.UtcNow.AddSeconds(function.TimeoutSeconds),
            new CollectingLogger(Log),
            new LambdaFunctionInfo(function.LogicalId, "$LATEST", function.MemorySizeMb, "/aws/lambda/" + function.LogicalId, "local"),
            cancellationToken: cancellationToken);
        var answer = await handler(payload, context);
        return JsonNode.Parse(answer.Span);
    };

    private async Task<JsonNode?> RunWorkerAsync(JsonNode? overrides, CancellationToken cancellationToken)
    {
        var settings = WorkerSettingsFor(PipelineTemplate.Default.WorkerEnvironment(), overrides);
        var role = ForRole(PipelineTemplate.Default.WorkerTaskRole);
        using var log = new StringWriter();
        await new BatchWorkerJob(settings, role.Aws, role.Chat, _embeddings, log).RunAsync(cancellationToken);
        Log.Enqueue(log.ToString());
        return null;
    }

    public void Dispose()
    {
        _standIns.Dispose();
        _embeddings.Dispose();
        foreach (var role in _roles.Values.Where(role => role.IsValueCreated).Select(role => role.Value))
        {
            role.Chat.Dispose();
            role.Aws.Dispose();
        }

        _http.Dispose();
    }

    private sealed class CollectingLogger(ConcurrentQueue<string> lines) : ILambdaLogger
    {
        public void Log(LambdaLogLevel level, string message, Exception? exception = null) =>
            lines.Enqueue($"{level}: {message}{(exception is null ? "" : " " + exception.GetType().Name)}");
    }
}
