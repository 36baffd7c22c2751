using ReferenceArchitectures.Bedrock;
using ReferenceArchitectures.Functions.InferenceApi;
using ReferenceArchitectures.LambdaRuntime;

// Pattern 1's function. One Native AOT executable; the function's handler string picks the handler:
// `converse` behind the HTTP API, `converse-stream` behind the Function URL.
return await LambdaHost.RunAsync(handlers =>
{
    var settings = ChatSettings.FromEnvironment(Environment.GetEnvironmentVariable);
    var options = new BedrockClientOptions
    {
        Region = settings.Region,
        ModelId = settings.ModelId,
        Endpoint = settings.BedrockEndpoint,
        GuardrailId = settings.GuardrailId,
        GuardrailVersion = settings.GuardrailVersion,
    };
    options.Validate();

    // One connection pool for the life of the execution environment.
    var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };
    var streamFailures = new StreamFailureMetric(Console.Out, settings.FunctionName, TimeProvider.System);
    var chat = new ChatHandlers(new BedrockChatClient(http, options), settings, streamFailures);

    handlers.MapBuffered(ChatHandlers.ConverseHandler, chat.ConverseAsync);
    handlers.MapStreaming(ChatHandlers.ConverseStreamHandler, chat.ConverseStreamAsync);
});
