namespace ReferenceArchitectures.Documents;

/// <summary>
/// The plain text of a document, with line feeds as the only line breaks and a blank line between paragraphs (and
/// between PDF pages). Chunk offsets refer to this text.
/// </summary>
public sealed record ExtractedText(DocumentType DocumentType, string Text, int? Pages);
