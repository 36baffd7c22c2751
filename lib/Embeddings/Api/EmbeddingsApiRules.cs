using System.Numerics.Tensors;
using System.Text.Json;

namespace ReferenceArchitectures.Embeddings.Api;

/// <summary>
/// An RFC 9457 problem: what either host answers for a request it refuses. <see cref="Extensions"/> holds only
/// strings and integers, so that every host can write it without reflection.
/// </summary>
public sealed record ApiProblem(int Status, string Title, string Detail, IReadOnlyDictionary<string, object>? Extensions = null)
{
    public const string ContentType = "application/problem+json";

    public static ApiProblem Invalid(string detail) => new(400, "Invalid request", detail);

    /// <summary>
    /// The status code's section of RFC 9110 (as ASP.NET Core's problem documents give it): 4xx codes 400-418 are
    /// sections 15.5.1-15.5.19 and 5xx codes 500-505 sections 15.6.1-15.6.6, in order (RFC 9110 has no 419 or 420, so
    /// 421 and 422 are 15.5.20 and 15.5.21); any other code is about:blank.
    /// </summary>
    public static string TypeFor(int status) => status switch
    {
        >= 400 and <= 418 => $"https://tools.ietf.org/html/rfc9110#section-15.5.{status - 399}",
        421 or 422 => $"https://tools.ietf.org/html/rfc9110#section-15.5.{status - 401}",
        >= 500 and <= 505 => $"https://tools.ietf.org/html/rfc9110#section-15.6.{status - 499}",
        _ => "about:blank",
    };

    /// <summary>Writes the problem document; <paramref name="more"/> adds members such as a trace id.</summary>
    public void WriteTo(Utf8JsonWriter writer, IEnumerable<KeyValuePair<string, string>>? more = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteString("type", TypeFor(Status));
        writer.WriteString("title", Title);
        writer.WriteNumber("status", Status);
        writer.WriteString("detail", Detail);
        foreach (var (name, value) in Extensions ?? new Dictionary<string, object>())
        {
            switch (value)
            {
                case int number:
                    writer.WriteNumber(name, number);
                    break;
                default:
                    writer.WriteString(name, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
            }
        }

        foreach (var (name, value) in more ?? [])
        {
            writer.WriteString(name, value);
        }

        writer.WriteEndObject();
    }
}

/// <summary>How much one request may carry; each host takes them from its own settings.</summary>
public sealed record InputLimits(int MaxInputsPerRequest, int MaxCharactersPerInput);

/// <summary>
/// The API's rules, the same in every host: which requests are refused with which problem, and how answers are made
/// from the model's embeddings.
/// </summary>
public static class EmbeddingsApiRules
{
    /// <summary>The problem for a body that is not valid JSON for the endpoint's contract.</summary>
    public static ApiProblem FromJsonError(JsonException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error is RequestContractException)
        {
            return ApiProblem.Invalid($"{Field(error.Path)} {error.Message}");
        }

        // System.Text.Json's own messages name .NET types; say where the body went wrong instead.
        string[] location = [.. error.Path is { Length: > 1 } path ? [Field(path)] : Array.Empty<string>(),
            .. error.LineNumber is { } line ? [$"line {line + 1}, byte {error.BytePositionInLine + 1}"] : Array.Empty<string>()];
        return ApiProblem.Invalid($"The request body is not valid JSON for this endpoint, or a field has the wrong type ({string.Join(", at ", location)}).");
    }

    /// <summary>The problem for a JSON <c>null</c> body.</summary>
    public static ApiProblem NullBody { get; } = ApiProblem.Invalid("The request body must be a JSON object, not null.");

    /// <summary>The problem for a body that is not declared as JSON.</summary>
    public static ApiProblem NotJson { get; } = new(415, "Unsupported media type", "The request body must be JSON, with Content-Type: application/json.");

    public static ApiProblem? Check(EmbeddingsRequest request, EmbeddingEngine engine, InputLimits limits)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(engine);
        return CheckModel(request.Model, engine)
            ?? CheckTexts("input", request.Input, limits)
            ?? (request.EncodingFormat is null or "float" or "base64"
                ? null
                : ApiProblem.Invalid($"encoding_format must be \"float\" or \"base64\", not \"{request.EncodingFormat}\"."))
            ?? (request.Dimensions is null || request.Dimensions == engine.Dimensions
                ? null
                : ApiProblem.Invalid($"dimensions must be {engine.Dimensions} (or left out): {engine.ModelName} cannot produce {request.Dimensions}."));
    }

    public static ApiProblem? Check(SimilarityRequest request, EmbeddingEngine engine, InputLimits limits)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(engine);
        return CheckModel(request.Model, engine)
            ?? CheckTexts("source", request.Source is null ? null : [request.Source], limits)
            ?? CheckTexts("candidates", request.Candidates, limits, alreadyCounted: 1);
    }

    /// <summary>The texts a checked similarity request embeds: the source first, then the candidates.</summary>
    public static IReadOnlyList<string> Texts(SimilarityRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return [request.Source!, .. request.Candidates!];
    }

    public static EmbeddingsResponse Answer(EmbeddingsRequest request, IReadOnlyList<TextEmbedding> embeddings, string modelName)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(embeddings);
        var asBase64 = request.EncodingFormat == "base64";
        var items = new EmbeddingItem[embeddings.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = new EmbeddingItem(i, new EmbeddingVector(embeddings[i].Vector, asBase64));
        }

        var tokens = embeddings.Sum(e => e.TokenCount);
        return new EmbeddingsResponse(items, modelName, new TokenUsage(tokens, tokens), TruncatedIndices(embeddings, 0));
    }

    /// <param name="embeddings">The source's embedding first, then the candidates' (<see cref="Texts"/>).</param>
    public static SimilarityResponse Answer(SimilarityRequest request, IReadOnlyList<TextEmbedding> embeddings, string modelName)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(embeddings);
        var source = embeddings[0].Vector;
        var scores = new SimilarityScore[embeddings.Count - 1];
        for (var i = 0; i < scores.Length; i++)
        {
            // Both vectors have unit length, so the dot product is the cosine.
            scores[i] = new SimilarityScore(i, TensorPrimitives.Dot(source, embeddings[i + 1].Vector));
        }

        var tokens = embeddings.Sum(e => e.TokenCount);
        return new SimilarityResponse(scores, modelName, new TokenUsage(tokens, tokens), embeddings[0].Truncated, TruncatedIndices(embeddings, 1));
    }

    private static ApiProblem? CheckModel(string? requested, EmbeddingEngine engine)
    {
        if (requested is null
            || string.Equals(requested, engine.ModelName, StringComparison.OrdinalIgnoreCase)
            || string.Equals(requested, "sentence-transformers/" + engine.ModelName, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return new ApiProblem(400, "Unknown model", $"This server serves {engine.ModelName}, not \"{requested}\".");
    }

    private static ApiProblem? CheckTexts(string field, IReadOnlyList<string>? texts, InputLimits limits, int alreadyCounted = 0)
    {
        if (texts is null)
        {
            return ApiProblem.Invalid($"{field} is required.");
        }

        if (texts.Count == 0)
        {
            return ApiProblem.Invalid($"{field} must not be empty.");
        }

        if (texts.Count + alreadyCounted > limits.MaxInputsPerRequest)
        {
            return new ApiProblem(413, "Too many inputs",
                $"A request may carry at most {limits.MaxInputsPerRequest} texts; this one has {texts.Count + alreadyCounted}.",
                new Dictionary<string, object> { ["limit"] = nameof(limits.MaxInputsPerRequest), ["max"] = limits.MaxInputsPerRequest });
        }

        for (var i = 0; i < texts.Count; i++)
        {
            var name = texts.Count == 1 && alreadyCounted == 0 && field != "input" ? field : $"{field}[{i}]";
            if (string.IsNullOrWhiteSpace(texts[i]))
            {
                return ApiProblem.Invalid($"{name} must not be empty or only whitespace.");
            }

            if (texts[i].Length > limits.MaxCharactersPerInput)
            {
                return new ApiProblem(413, "Input too long",
                    $"{name} has {texts[i].Length} characters; at most {limits.MaxCharactersPerInput} are allowed.",
                    new Dictionary<string, object> { ["limit"] = nameof(limits.MaxCharactersPerInput), ["max"] = limits.MaxCharactersPerInput });
            }
        }

        return null;
    }

    private static int[] TruncatedIndices(IReadOnlyList<TextEmbedding> embeddings, int first) =>
        Enumerable.Range(first, embeddings.Count - first).Where(i => embeddings[i].Truncated).Select(i => i - first).ToArray();

    private static string Field(string? path) => path is null or "$" ? "The body" : path.TrimStart('$').TrimStart('.');
}
