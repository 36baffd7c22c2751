namespace ReferenceArchitectures.Documents;

public static class DocumentTypeExtensions
{
    /// <summary>The file extension, without the dot, that names the type in JSON and in messages.</summary>
    public static string ToExtension(this DocumentType type) =>
        type switch
        {
            DocumentType.Text => "txt",
            DocumentType.Markdown => "md",
            DocumentType.Html => "html",
            DocumentType.Pdf => "pdf",
            DocumentType.Docx => "docx",
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown document type."),
        };
}
