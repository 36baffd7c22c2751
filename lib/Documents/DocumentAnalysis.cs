using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReferenceArchitectures.Documents;

/// <summary>
/// The result of analysing one document: the JSON the Store step writes to the output bucket, serialised with
/// <see cref="DocumentsJsonContext"/>. Both processing paths produce exactly this shape.
/// </summary>
public sealed record DocumentAnalysis
{
    public required DocumentType DocumentType { get; init; }

    /// <summary>One of the configured categories.</summary>
    public required string Category { get; init; }

    /// <summary>
    /// How sure the model was, 0 to 1: its own confidence for one chunk; for several, the mean over all chunks with
    /// the chunks that chose another category counting as 0.
    /// </summary>
    public required double CategoryConfidence { get; init; }

    /// <summary>Named entities, each once (by type and case-insensitive name), in order of first appearance.</summary>
    public required IReadOnlyList<DocumentEntity> Entities { get; init; }

    public required string Summary { get; init; }

    /// <summary>How many chunks the text was analysed in.</summary>
    public required int ChunkCount { get; init; }

    /// <summary>Characters of extracted text.</summary>
    public required long Characters { get; init; }

    /// <summary>Page count, for PDF only.</summary>
    public int? Pages { get; init; }

    /// <summary>Tokens of every model call made for this document, retries included.</summary>
    public required AnalysisUsage Usage { get; init; }

    /// <summary>The model id that answered, as the chat client reports it.</summary>
    public required string Model { get; init; }
}

/// <summary>A named thing the document mentions; <see cref="Type"/> is one of the configured entity types.</summary>
public sealed record DocumentEntity(string Name, string Type);

/// <summary>Model tokens and calls spent on one document.</summary>
public sealed record AnalysisUsage(long InputTokens, long OutputTokens, int ModelCalls)
{
    [JsonIgnore]
    public long TotalTokens => InputTokens + OutputTokens;
}

/// <summary>Source-generated JSON for the library's contracts (Native AOT needs no reflection with it).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(DocumentAnalysis))]
[JsonSerializable(typeof(DocumentInspection))]
[JsonSerializable(typeof(RoutingDecision))]
public sealed partial class DocumentsJsonContext : JsonSerializerContext;
