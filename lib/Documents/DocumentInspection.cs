using System.Text.Json.Serialization;

namespace ReferenceArchitectures.Documents;

/// <summary>
/// What the preprocess step learned about an uploaded object: accepted as one of the supported types and measured,
/// or rejected with a reason fit for a failure record. Flat on purpose, so that a Step Functions Choice state can
/// compare its fields directly (<c>$.sizeBytes</c>, <c>$.pages</c>, <c>$.estimatedCharacters</c>).
/// </summary>
public sealed record DocumentInspection
{
    public required bool Accepted { get; init; }

    /// <summary>Why the object was rejected; null when accepted.</summary>
    public string? RejectionReason { get; init; }

    /// <summary>The detected type; null when rejected.</summary>
    public DocumentType? DocumentType { get; init; }

    public required long SizeBytes { get; init; }

    /// <summary>Page count, for PDF only.</summary>
    public int? Pages { get; init; }

    /// <summary>
    /// Characters of text the document holds: exact for txt, md and docx; the markup included for html (an upper
    /// bound); <see cref="TextEstimates.CharactersPerPdfPage"/> per page for pdf.
    /// </summary>
    public long EstimatedCharacters { get; init; }

    /// <summary>Model tokens those characters make, by <see cref="TextEstimates.TokensFromCharacters"/>.</summary>
    public long EstimatedTokens { get; init; }

    [JsonIgnore]
    public bool Rejected => !Accepted;

    public static DocumentInspection Accept(DocumentType type, long sizeBytes, long estimatedCharacters, int? pages = null) => new()
    {
        Accepted = true,
        DocumentType = type,
        SizeBytes = sizeBytes,
        Pages = pages,
        EstimatedCharacters = estimatedCharacters,
        EstimatedTokens = TextEstimates.TokensFromCharacters(estimatedCharacters),
    };

    public static DocumentInspection Reject(string reason, long sizeBytes) => new()
    {
        Accepted = false,
        RejectionReason = reason,
        SizeBytes = sizeBytes,
    };
}

/// <summary>Rules of thumb for sizing text before a model has seen it.</summary>
public static class TextEstimates
{
    /// <summary>
    /// Roughly four characters of English make one token for the tokenizers of current large models; routing and
    /// chunk sizes only need the order of magnitude.
    /// </summary>
    public const int CharactersPerToken = 4;

    /// <summary>A full page of prose in a 10–12 pt font holds about 3,000 characters.</summary>
    public const int CharactersPerPdfPage = 3_000;

    public static long TokensFromCharacters(long characters) => (characters + CharactersPerToken - 1) / CharactersPerToken;
}
