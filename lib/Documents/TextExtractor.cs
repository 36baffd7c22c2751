using System.IO.Compression;
using System.Text;
using System.Xml;
using HtmlAgilityPack;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace ReferenceArchitectures.Documents;

/// <summary>
/// Turns a document of an accepted type into plain text. A document that cannot be read throws
/// <see cref="DocumentUnreadableException"/> with the reason; the caller records it as a failed document.
/// </summary>
public static class TextExtractor
{
    /// <summary>Extracts the text; a non-seekable stream is buffered in memory first, as PDF and docx need seeking.</summary>
    public static async Task<ExtractedText> ExtractAsync(DocumentType type, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.CanSeek)
        {
            return Extract(type, content, cancellationToken);
        }

        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        buffer.Position = 0;
        return Extract(type, buffer, cancellationToken);
    }

    /// <summary>Extracts the text of a seekable stream, read from its current position.</summary>
    public static ExtractedText Extract(DocumentType type, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var (text, pages) = type switch
        {
            DocumentType.Text or DocumentType.Markdown => (ReadUtf8(type, content), (int?)null),
            DocumentType.Html => (ReadHtml(content), null),
            DocumentType.Pdf => ReadPdf(content, cancellationToken),
            DocumentType.Docx => (ReadDocx(content, cancellationToken), null),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown document type."),
        };

        text = NormalizeLineBreaks(text).Trim();
        if (text.Length == 0)
        {
            var reason = type == DocumentType.Pdf
                ? "it has no text layer (a scanned PDF needs OCR, which this pipeline does not do)."
                : "it contains no text.";
            throw new DocumentUnreadableException(type, reason);
        }

        return new ExtractedText(type, text, pages);
    }

    // Markdown stays as written: models read its markup as structure, and stripping it would lose headings and lists.
    private static string ReadUtf8(DocumentType type, Stream content)
    {
        using var reader = new StreamReader(content, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        try
        {
            return reader.ReadToEnd().TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException ex)
        {
            throw new DocumentUnreadableException(type, "it is not valid UTF-8 text.", ex);
        }
    }

    private static string ReadHtml(Stream content)
    {
        var document = new HtmlDocument();
        document.Load(content, Encoding.UTF8);
        var text = new HtmlTextWriter();
        text.Write(document.DocumentNode);
        return text.ToString();
    }

    private static (string Text, int? Pages) ReadPdf(Stream content, CancellationToken cancellationToken)
    {
        try
        {
            using var document = PdfDocument.Open(content, new ParsingOptions { ClipPaths = false });
            var text = new StringBuilder();
            foreach (var page in document.GetPages())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (text.Length > 0)
                {
                    text.Append("\n\n");
                }

                // Content order is the order the page's content stream draws the text, which for generated and most
                // word-processed PDFs is reading order; the extractor adds the spaces and line breaks PDF leaves out.
                text.Append(ContentOrderTextExtractor.GetText(page).Trim());
            }

            return (text.ToString(), document.NumberOfPages);
        }
#pragma warning disable CA1031 // PdfPig signals a damaged file with many exception types; each one means "cannot read it".
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            throw new DocumentUnreadableException(DocumentType.Pdf, PdfReasons.Describe(ex), ex);
        }
    }

    private static string ReadDocx(Stream content, CancellationToken cancellationToken)
    {
        try
        {
            using var archive = new ZipArchive(content, ZipArchiveMode.Read, leaveOpen: true);
            var main = archive.GetEntry(WordprocessingText.MainPartName)
                ?? throw new DocumentUnreadableException(DocumentType.Docx, $"it has no {WordprocessingText.MainPartName}, so it is not a Word document.");
            using var stream = main.Open();
            return WordprocessingText.ReadText(stream, cancellationToken)
                ?? throw new DocumentUnreadableException(DocumentType.Docx, "it has no document body.");
        }
        catch (Exception ex) when (ex is InvalidDataException or XmlException or IOException)
        {
            throw new DocumentUnreadableException(DocumentType.Docx, $"it is damaged ({ex.Message})", ex);
        }
    }

    private static string NormalizeLineBreaks(string text) =>
        text.Contains('\r', StringComparison.Ordinal) ? text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n') : text;
}
