using UglyToad.PdfPig.Exceptions;

namespace ReferenceArchitectures.Documents;

internal static class PdfReasons
{
    /// <summary>Turns one of PdfPig's failures into words for a failure record.</summary>
    public static string Describe(Exception exception) =>
        exception switch
        {
            PdfDocumentEncryptedException => "it is encrypted and needs a password.",
            _ => $"it is damaged or truncated ({exception.GetType().Name}: {exception.Message})",
        };
}
