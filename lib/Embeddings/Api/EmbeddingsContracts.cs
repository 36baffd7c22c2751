using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReferenceArchitectures.Embeddings.Api;

// The OpenAI-shaped embeddings API that both hosts of the model serve: the model server (patterns 2 and 3) and the
// Lambda function (functions/EmbeddingsApi). The wire names are snake_case (EmbeddingsApiJsonContext).

/// <summary>
/// OpenAI's embeddings request (https://platform.openai.com/docs/api-reference/embeddings/create). Unknown fields
/// are ignored, as OpenAI's clients may send fields newer than this server.
/// </summary>
public sealed class EmbeddingsRequest
{
    /// <summary>One text or an array of texts. OpenAI also accepts arrays of token ids; this server does not.</summary>
    [JsonConverter(typeof(TextOrTextsConverter))]
    public IReadOnlyList<string>? Input { get; init; }

    public string? Model { get; init; }

    /// <summary><c>float</c> (default) or <c>base64</c>: each vector as little-endian float32 bytes in base64.</summary>
    public string? EncodingFormat { get; init; }

    /// <summary>Accepted only when it equals the model's dimensions (384); this model cannot shorten its vectors.</summary>
    public int? Dimensions { get; init; }

    /// <summary>Accepted and ignored, for compatibility.</summary>
    public string? User { get; init; }
}

public sealed record EmbeddingsResponse(
    IReadOnlyList<EmbeddingItem> Data,
    string Model,
    TokenUsage Usage,
    [property: JsonPropertyName("truncated")] IReadOnlyList<int> Truncated)
{
    [JsonPropertyName("object")]
    [JsonPropertyOrder(-1)]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "System.Text.Json writes instance properties only.")]
    public string ObjectType => "list";
}

/// <summary>One vector: a JSON array of numbers, or a base64 string when the request asked for base64.</summary>
public sealed record EmbeddingItem(int Index, [property: JsonConverter(typeof(VectorConverter))] EmbeddingVector Embedding)
{
    [JsonPropertyName("object")]
    [JsonPropertyOrder(-1)]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "System.Text.Json writes instance properties only.")]
    public string ObjectType => "embedding";
}

public readonly record struct EmbeddingVector(float[] Values, bool AsBase64);

public sealed record TokenUsage(int PromptTokens, int TotalTokens);

/// <summary>One source text scored against candidate texts.</summary>
public sealed class SimilarityRequest
{
    public string? Source { get; init; }

    [JsonConverter(typeof(TextOrTextsConverter))]
    public IReadOnlyList<string>? Candidates { get; init; }

    public string? Model { get; init; }
}

/// <summary>Cosine similarity of the source with each candidate, in candidate order.</summary>
public sealed record SimilarityResponse(
    IReadOnlyList<SimilarityScore> Data,
    string Model,
    TokenUsage Usage,
    bool SourceTruncated,
    [property: JsonPropertyName("truncated")] IReadOnlyList<int> Truncated)
{
    [JsonPropertyName("object")]
    [JsonPropertyOrder(-1)]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "System.Text.Json writes instance properties only.")]
    public string ObjectType => "list";
}

public sealed record SimilarityScore(int Index, float Score);

/// <summary>A field the contract cannot accept; its message goes to the client as is.</summary>
public sealed class RequestContractException(string message) : JsonException(message);

/// <summary>Reads a string or an array of strings.</summary>
public sealed class TextOrTextsConverter : JsonConverter<IReadOnlyList<string>>
{
    public override IReadOnlyList<string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return [reader.GetString()!];
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new RequestContractException("must be a string or an array of strings.");
        }

        var texts = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.Number || reader.TokenType == JsonTokenType.StartArray)
            {
                throw new RequestContractException("must be text: arrays of token ids are not supported.");
            }

            if (reader.TokenType != JsonTokenType.String)
            {
                throw new RequestContractException($"must contain only strings; item {texts.Count} is not a string.");
            }

            texts.Add(reader.GetString()!);
        }

        return texts;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartArray();
        foreach (var text in value)
        {
            writer.WriteStringValue(text);
        }

        writer.WriteEndArray();
    }
}

/// <summary>Writes a vector as numbers, or as OpenAI's base64 of little-endian float32 values.</summary>
public sealed class VectorConverter : JsonConverter<EmbeddingVector>
{
    public override EmbeddingVector Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? new EmbeddingVector(MemoryMarshal.Cast<byte, float>(reader.GetBytesFromBase64()).ToArray(), AsBase64: true)
            : new EmbeddingVector(JsonSerializer.Deserialize(ref reader, EmbeddingsApiJsonContext.Default.SingleArray) ?? [], AsBase64: false);

    public override void Write(Utf8JsonWriter writer, EmbeddingVector value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value.AsBase64)
        {
            // MemoryMarshal gives the machine's byte order; both image architectures (x64, arm64) are little-endian.
            writer.WriteBase64StringValue(MemoryMarshal.AsBytes(value.Values.AsSpan()));
            return;
        }

        writer.WriteStartArray();
        foreach (var component in value.Values)
        {
            writer.WriteNumberValue(component);
        }

        writer.WriteEndArray();
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(EmbeddingsRequest))]
[JsonSerializable(typeof(EmbeddingsResponse))]
[JsonSerializable(typeof(SimilarityRequest))]
[JsonSerializable(typeof(SimilarityResponse))]
[JsonSerializable(typeof(float[]))]
public sealed partial class EmbeddingsApiJsonContext : JsonSerializerContext;
