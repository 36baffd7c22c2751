using System.Numerics.Tensors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using ReferenceArchitectures.Embeddings;

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

        var (request, problem) = await RequestReading.ReadJsonAsync(context.Request, ModelServerJsonContext.Default.EmbeddingsRequest, context.RequestAborted);
        if (problem is not null)
        {
            return problem;
        }

        var engine = model.Engine;
        problem = CheckModel(request!.Model, engine)
            ?? CheckTexts("input", request.Input, limits)
            ?? (request.EncodingFormat is null or "float" or "base64"
                ? null
                : Problems.Create(StatusCodes.Status400BadRequest, "Invalid request", $"encoding_format must be \"float\" or \"base64\", not \"{request.EncodingFormat}\"."))
            ?? (request.Dimensions is null || request.Dimensions == engine.Dimensions
                ? null
                : Problems.Create(StatusCodes.Status400BadRequest, "Invalid request", $"dimensions must be {engine.Dimensions} (or left out): {engine.ModelName} cannot produce {request.Dimensions}."));
        if (problem is not null)
        {
            return problem;
        }

        var (embeddings, unavailable) = await EmbedAsync(context, engine, batcher, request.Input!, limits);
        if (unavailable is not null)
        {
            return unavailable;
        }

        var asBase64 = request.EncodingFormat == "base64";
        var items = new EmbeddingItem[embeddings!.Length];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = new EmbeddingItem(i, new EmbeddingVector(embeddings[i].Vector, asBase64));
        }

        var tokens = embeddings.Sum(e => e.TokenCount);
        return TypedResults.Ok(new EmbeddingsResponse(items, engine.ModelName, new TokenUsage(tokens, tokens), TruncatedIndices(embeddings, 0)));
    }

    public static async Task<Results<Ok<SimilarityResponse>, ProblemHttpResult>> ScoreSimilarityAsync(
        HttpContext context, EmbeddingModelHost model, EmbeddingBatcher batcher, IOptions<ModelServerOptions> options)
    {
        var limits = options.Value;
        if (!model.IsReady)
        {
            return Problems.Unavailable(context, limits.RetryAfterSeconds, "The model is loading.");
        }

        var (request, problem) = await RequestReading.ReadJsonAsync(context.Request, ModelServerJsonContext.Default.SimilarityRequest, context.RequestAborted);
        if (problem is not null)
        {
            return problem;
        }

        var engine = model.Engine;
        problem = CheckModel(request!.Model, engine)
            ?? CheckTexts("source", request.Source is null ? null : [request.Source], limits)
            ?? CheckTexts("candidates", request.Candidates, limits, alreadyCounted: 1);
        if (problem is not null)
        {
            return problem;
        }

        var (embeddings, unavailable) = await EmbedAsync(context, engine, batcher, [request.Source!, .. request.Candidates!], limits);
        if (unavailable is not null)
        {
            return unavailable;
        }

        var source = embeddings![0].Vector;
        var scores = new SimilarityScore[embeddings.Length - 1];
        for (var i = 0; i < scores.Length; i++)
        {
            // Both vectors have unit length, so the dot product is the cosine.
            scores[i] = new SimilarityScore(i, TensorPrimitives.Dot(source, embeddings[i + 1].Vector));
        }

        var tokens = embeddings.Sum(e => e.TokenCount);
        return TypedResults.Ok(new SimilarityResponse(scores, engine.ModelName, new TokenUsage(tokens, tokens), embeddings[0].Truncated, TruncatedIndices(embeddings, 1)));
    }

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

    private static ProblemHttpResult? CheckModel(string? requested, EmbeddingEngine engine)
    {
        if (requested is null
            || string.Equals(requested, engine.ModelName, StringComparison.OrdinalIgnoreCase)
            || string.Equals(requested, "sentence-transformers/" + engine.ModelName, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return Problems.Create(StatusCodes.Status400BadRequest, "Unknown model", $"This server serves {engine.ModelName}, not \"{requested}\".");
    }

    private static ProblemHttpResult? CheckTexts(string field, IReadOnlyList<string>? texts, ModelServerOptions limits, int alreadyCounted = 0)
    {
        if (texts is null)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Invalid request", $"{field} is required.");
        }

        if (texts.Count == 0)
        {
            return Problems.Create(StatusCodes.Status400BadRequest, "Invalid request", $"{field} must not be empty.");
        }

        if (texts.Count + alreadyCounted > limits.MaxInputsPerRequest)
        {
            return Problems.Create(StatusCodes.Status413PayloadTooLarge, "Too many inputs",
                $"A request may carry at most {limits.MaxInputsPerRequest} texts; this one has {texts.Count + alreadyCounted}.",
                new Dictionary<string, object?> { ["limit"] = nameof(limits.MaxInputsPerRequest), ["max"] = limits.MaxInputsPerRequest });
        }

        for (var i = 0; i < texts.Count; i++)
        {
            var name = texts.Count == 1 && alreadyCounted == 0 && field != "input" ? field : $"{field}[{i}]";
            if (string.IsNullOrWhiteSpace(texts[i]))
            {
                return Problems.Create(StatusCodes.Status400BadRequest, "Invalid request", $"{name} must not be empty or only whitespace.");
            }

            if (texts[i].Length > limits.MaxCharactersPerInput)
            {
                return Problems.Create(StatusCodes.Status413PayloadTooLarge, "Input too long",
                    $"{name} has {texts[i].Length} characters; at most {limits.MaxCharactersPerInput} are allowed.",
                    new Dictionary<string, object?> { ["limit"] = nameof(limits.MaxCharactersPerInput), ["max"] = limits.MaxCharactersPerInput });
            }
        }

        return null;
    }

    private static int[] TruncatedIndices(TextEmbedding[] embeddings, int first) =>
        Enumerable.Range(first, embeddings.Length - first).Where(i => embeddings[i].Truncated).Select(i => i - first).ToArray();

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
