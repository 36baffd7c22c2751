using ReferenceArchitectures.Bedrock;
using ReferenceArchitectures.Functions.DocumentPipeline;
using ReferenceArchitectures.LambdaRuntime;
using ReferenceArchitectures.Pipeline;

// Pattern 4's functions. One Native AOT executable; the handler string picks the step:
// preprocess, analyze, store or record-failure.
return await LambdaHost.RunAsync(handlers =>
{
    var settings = PipelineSettings.FromEnvironment(Environment.GetEnvironmentVariable);
    var aws = PipelineAwsClients.FromEnvironment(settings.Region, Environment.GetEnvironmentVariable);
    var bedrock = new BedrockClientOptions { Region = settings.Region, ModelId = settings.ModelId, Endpoint = settings.BedrockEndpoint };
    bedrock.Validate();
    var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
    new PipelineFunctions(settings, aws, new BedrockChatClient(http, bedrock)).MapHandlers(handlers);
});
