namespace ReferenceArchitectures.Documents;

/// <summary>
/// A document of an accepted type could not be read: corrupt, truncated, encrypted, or without any text. Callers
/// record it as a failed document with <see cref="Reason"/>; sending it again will not help.
/// </summary>
public sealed class DocumentUnreadableException : Exception
{
    public DocumentUnreadableException()
        : this("The document could not be read.")
    {
    }

    public DocumentUnreadableException(string message)
        : base(message)
    {
        Reason = message;
    }

    public DocumentUnreadableException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
    }

    public DocumentUnreadableException(DocumentType documentType, string reason, Exception? innerException = null)
        : base($"The {documentType.ToExtension()} document could not be read: {reason}", innerException)
    {
        DocumentType = documentType;
        Reason = reason;
    }

    /// <summary>The type the document was detected as, when known.</summary>
    public DocumentType? DocumentType { get; }

    /// <summary>Why the document could not be read, in words fit for a failure record.</summary>
    public string Reason { get; }
}
