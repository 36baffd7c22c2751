using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ReferenceArchitectures.ModelServer;

/// <summary>Reads a JSON request body so that every way it can be wrong becomes a 4xx problem naming the cause.</summary>
internal static class RequestReading
{
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadJsonAsync<T>(HttpRequest request, JsonTypeInfo<T> contract, CancellationToken cancellationToken)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, Problems.Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "The request body must be JSON, with Content-Type: application/json."));
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync(request.Body, contract, cancellationToken);
            return value is null
                ? (null, Problems.Create(StatusCodes.Status400BadRequest, "Invalid request", "The request body must be a JSON object, not null."))
                : (value, null);
        }
        catch (RequestContractException error)
        {
            return (null, Problems.Create(StatusCodes.Status400BadRequest, "Invalid request", $"{Field(error.Path)} {error.Message}"));
        }
        catch (JsonException error)
        {
            // System.Text.Json's own messages name .NET types; say where the body went wrong instead.
            string[] location = [.. error.Path is { Length: > 1 } path ? [Field(path)] : Array.Empty<string>(),
                .. error.LineNumber is { } line ? [$"line {line + 1}, byte {error.BytePositionInLine + 1}"] : Array.Empty<string>()];
            return (null, Problems.Create(StatusCodes.Status400BadRequest, "Invalid request",
                $"The request body is not valid JSON for this endpoint, or a field has the wrong type ({string.Join(", at ", location)})."));
        }
        catch (BadHttpRequestException error)
        {
            // Kestrel's own checks, e.g. the body-size limit (413); their messages are meant for clients.
            return (null, Problems.Create(error.StatusCode, error.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request", error.Message));
        }
    }

    private static string Field(string? path) => path is null or "$" ? "The body" : path.TrimStart('$').TrimStart('.');
}

/// <summary>RFC 9457 problem documents for the API's answers.</summary>
internal static class Problems
{
    public static ProblemHttpResult Create(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);

    /// <summary>503 with Retry-After: the model is still loading, or the queue is full.</summary>
    public static ProblemHttpResult Unavailable(HttpContext context, int retryAfterSeconds, string detail)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Create(StatusCodes.Status503ServiceUnavailable, "Service unavailable", detail);
    }
}
