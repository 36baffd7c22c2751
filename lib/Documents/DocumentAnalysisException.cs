namespace ReferenceArchitectures.Documents;

/// <summary>
/// The model did not return a valid analysis, even after being told once what was wrong with its first answer.
/// </summary>
public sealed class DocumentAnalysisException : Exception
{
    public DocumentAnalysisException()
        : this("The model did not return a valid document analysis.")
    {
    }

    public DocumentAnalysisException(string message)
        : this(message, [])
    {
    }

    public DocumentAnalysisException(string message, Exception innerException)
        : base(message, innerException)
    {
        ValidationErrors = [];
    }

    public DocumentAnalysisException(string message, IReadOnlyList<string> validationErrors)
        : base(message)
    {
        ValidationErrors = validationErrors;
    }

    /// <summary>What was wrong with the model's last answer, one problem per entry.</summary>
    public IReadOnlyList<string> ValidationErrors { get; }
}
