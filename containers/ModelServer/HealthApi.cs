using Microsoft.AspNetCore.Http.HttpResults;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace ReferenceArchitectures.ModelServer;

/// <summary>Cheap health endpoints for the load balancer and the container runtime.</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        // The process is up and serving HTTP; says nothing about the model.
        app.MapGet("/health/live", () => TypedResults.Ok(new HealthStatus("live")));

        // The model is loaded and has run once: the load balancer may send traffic.
        app.MapGet("/health/ready", Results<Ok<HealthStatus>, ProblemHttpResult> (HttpContext context, EmbeddingModelHost model, IOptions<ModelServerOptions> options) =>
            model.IsReady
                ? TypedResults.Ok(new HealthStatus("ready", model.Engine.ModelName, model.Engine.ExecutionProvider.ToString().ToLowerInvariant()))
                : Problems.Unavailable(context, options.Value.RetryAfterSeconds, "The model is loading."));
        return app;
    }
}

/// <summary>A health answer; when ready, the model and where it runs (<c>cpu</c> or <c>cuda</c>), so that a GPU
/// task that fell back to the CPU is visible from outside.</summary>
public sealed record HealthStatus(string Status, string? Model = null, string? ExecutionProvider = null);

/// <summary>The server's own answers; the API's contracts are in <see cref="Embeddings.Api.EmbeddingsApiJsonContext"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(HealthStatus))]
public sealed partial class ModelServerJsonContext : JsonSerializerContext;
