using ReferenceArchitectures.Embeddings;
using ReferenceArchitectures.Functions.EmbeddingsApi;
using ReferenceArchitectures.LambdaRuntime;

// The Lambda-hosted model's function. Init (once per execution environment): read the settings, load
// all-MiniLM-L6-v2 from the package into ONNX Runtime and run it once, so that the first request meets a warm model.
// A failure here (a bad setting, a missing or corrupt model) is reported to Lambda through /runtime/init/error.
return await LambdaHost.RunAsync(handlers =>
{
    var settings = EmbeddingsFunctionSettings.FromEnvironment(Environment.GetEnvironmentVariable);
    // Init runs no request yet, so blocking here holds up nothing; LambdaHost's init callback is synchronous.
    var engine = EmbeddingEngine.CreateAsync(EmbeddingModelSource.AllMiniLmL6V2, settings.EngineOptions(), CancellationToken.None).GetAwaiter().GetResult();
    engine.Embed(["A first run, during init, so that the first request finds the model warm."], CancellationToken.None);
    handlers.MapBuffered(EmbeddingsHandler.HandlerName, new EmbeddingsHandler(engine, settings).HandleAsync);
});
