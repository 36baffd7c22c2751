using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferenceArchitectures.Embeddings.Api;

namespace ReferenceArchitectures.ModelServer;

/// <summary>Reads a JSON request body so that every way it can be wrong becomes a 4xx problem naming the cause.</summary>
internal static class RequestReading
{
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadJsonAsync<T>(HttpRequest request, JsonTypeInfo<T> contract, CancellationToken cancellationToken)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, Problems.Create(EmbeddingsApiRules.NotJson));
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync(request.Body, contract, cancellationToken);
            return value is null ? (null, Problems.Create(EmbeddingsApiRules.NullBody)) : (value, null);
        }
        catch (JsonException error)
        {
            return (null, Problems.Create(EmbeddingsApiRules.FromJsonError(error)));
        }
        catch (BadHttpRequestException error)
        {
            // Kestrel's own checks, e.g. the body-size limit (413); their messages are meant for clients.
            return (null, Problems.Create(error.StatusCode, error.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request", error.Message));
        }
    }
}

/// <summary>RFC 9457 problem documents for the API's answers.</summary>
internal static class Problems
{
    public static ProblemHttpResult Create(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);

    /// <summary>The API's own problem (the rules every host shares).</summary>
    public static ProblemHttpResult Create(ApiProblem problem) =>
        TypedResults.Problem(detail: problem.Detail, statusCode: problem.Status, title: problem.Title,
            extensions: problem.Extensions?.ToDictionary(pair => pair.Key, object? (pair) => pair.Value));

    /// <summary>503 with Retry-After: the model is still loading, or the queue is full.</summary>
    public static ProblemHttpResult Unavailable(HttpContext context, int retryAfterSeconds, string detail)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Create(StatusCodes.Status503ServiceUnavailable, "Service unavailable", detail);
    }
}
