using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using ReferenceArchitectures.Embeddings;
using ReferenceArchitectures.Embeddings.Api;

namespace ReferenceArchitectures.ModelServer;

/// <summary><c>POST /v1/embeddings</c> (OpenAI's shape) and <c>POST /v1/similarity</c>.</summary>
public static class EmbeddingsApi
{
    public static IEndpointRouteBuilder MapEmbeddingsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1").AddEndpointFilter(RecordRequestMetrics);
        api.MapPost("/embeddings", CreateEmbeddingsAsync).WithName("CreateEmbeddings");
        api.MapPost("/similarity", ScoreSimilarityAsync).WithName("ScoreSimilarity");
        return app;
    }

    public static async Task<Results<Ok<EmbeddingsResponse>, ProblemHttpResult>> CreateEmbeddingsAsync(
        HttpContext context, EmbeddingModelHost model, EmbeddingBatcher batcher, IOptions<ModelServerOptions> options)
    {
        var limits = options.Value;
        if (!model.IsReady)
        {
            return Problems.Unavailable(context, limits.RetryAfterSeconds, "The model is loading.");
        }

        var (request, problem) = await RequestReading.ReadJsonAsync(context.Request, EmbeddingsApiJsonContext.Default.EmbeddingsRequest, context.RequestAborted);
        if (request is null)
        {
            return problem!; // ReadJsonAsync gives a problem whenever it gives no request
        }

        var engine = model.Engine;
        if (EmbeddingsApiRules.Check(request, engine, Limits(limits)) is { } refused)
        {
            return Problems.Create(refused);
        }

        var (embeddings, unavailable) = await EmbedAsync(context, engine, batcher, request.Input!, limits);
        if (unavailable is not null)
        {
            return unavailable;
        }

        return TypedResults.Ok(EmbeddingsApiRules.Answer(request, embeddings!, engine.ModelName));
    }

    public static async Task<Results<Ok<SimilarityResponse>, ProblemHttpResult>> ScoreSimilarityAsync(
        HttpContext context, EmbeddingModelHost model, EmbeddingBatcher batcher, IOptions<ModelServerOptions> options)
    {
        var limits = options.Value;
        if (!model.IsReady)
        {
            return Problems.Unavailable(context, limits.RetryAfterSeconds, "The model is loading.");
        }

        var (request, problem) = await RequestReading.ReadJsonAsync(context.Request, EmbeddingsApiJsonContext.Default.SimilarityRequest, context.RequestAborted);
        if (request is null)
        {
            return problem!; // ReadJsonAsync gives a problem whenever it gives no request
        }

        var engine = model.Engine;
        if (EmbeddingsApiRules.Check(request, engine, Limits(limits)) is { } refused)
        {
            return Problems.Create(refused);
        }

        var (embeddings, unavailable) = await EmbedAsync(context, engine, batcher, EmbeddingsApiRules.Texts(request), limits);
        if (unavailable is not null)
        {
            return unavailable;
        }

        return TypedResults.Ok(EmbeddingsApiRules.Answer(request, embeddings!, engine.ModelName));
    }

    private static InputLimits Limits(ModelServerOptions options) => new(options.MaxInputsPerRequest, options.MaxCharactersPerInput);

    private static async Task<(TextEmbedding[]? Embeddings, ProblemHttpResult? Problem)> EmbedAsync(
        HttpContext context, EmbeddingEngine engine, EmbeddingBatcher batcher, IReadOnlyList<string> texts, ModelServerOptions limits)
    {
        // Tokenizing here, on the request's thread, keeps it off the batcher's single consumer.
        var tokenized = new TokenizedText[texts.Count];
        for (var i = 0; i < tokenized.Length; i++)
        {
            tokenized[i] = engine.Tokenize(texts[i]);
        }

        var pending = batcher.TryEnqueue(tokenized, context.RequestAborted);
        return pending is null
            ? (null, Problems.Unavailable(context, limits.RetryAfterSeconds, $"The server is at capacity ({limits.QueueCapacity} texts queued); retry later."))
            : (await pending, null);
    }

    private static async ValueTask<object?> RecordRequestMetrics(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var metrics = invocation.HttpContext.RequestServices.GetRequiredService<ServerMetrics>();
        var started = TimeProvider.System.GetTimestamp();
        var result = await next(invocation);
        var status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : invocation.HttpContext.Response.StatusCode;
        metrics.RequestAnswered(invocation.HttpContext.Request.Path.Value ?? "", status, TimeProvider.System.GetElapsedTime(started));
        return result;
    }
}
