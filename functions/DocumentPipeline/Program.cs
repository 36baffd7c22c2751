using ReferenceArchitectures.Bedrock;
using ReferenceArchitectures.Functions.DocumentPipeline;
using ReferenceArchitectures.LambdaRuntime;
using ReferenceArchitectures.Pipeline;

// Pattern 4's functions. One Native AOT executable; the handler string picks the step:
// preprocess, analyze, store, record-failure, or start-executions (the gate that starts the state machine).
return await LambdaHost.RunAsync(handlers =>
{
    var settings = PipelineSettings.FromEnvironment(Environment.GetEnvironmentVariable);
    var aws = PipelineAwsClients.FromEnvironment(settings.Region, Environment.GetEnvironmentVariable);
    var bedrock = new BedrockClientOptions { Region = settings.Region, ModelId = settings.ModelId, Endpoint = settings.BedrockEndpoint };
    bedrock.Validate();
    var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
    var stepFunctions = new StepFunctionsClient(http, new AwsRequestSigner(new DefaultAwsCredentialSource()), settings.Region, StepFunctionsEndpoint());
    new PipelineFunctions(settings, aws, new BedrockChatClient(http, bedrock), stepFunctions: stepFunctions).MapHandlers(handlers);
});

// The SDKs' standard endpoint override for Step Functions; unset in AWS.
static Uri? StepFunctionsEndpoint() =>
    Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_SFN") is { Length: > 0 } url ? new Uri(url) : null;

