using System.IO.Compression;
using System.Text;
using System.Xml;
using UglyToad.PdfPig;

namespace ReferenceArchitectures.Documents;

/// <summary>
/// Detects an uploaded object's type from its key, content type and content, and measures it for routing. The content
/// decides: a name or content type never makes binary content acceptable, it only tells html and markdown from plain
/// text.
/// </summary>
public static class DocumentInspector
{
    // PDF 2.0 (ISO 32000-2, 7.5.2) puts the header at the start of the file; readers tolerate up to 1 KiB of junk before it.
    private const int PdfHeaderSearchBytes = 1024;
    private const int HeadBytes = 4096;

    /// <summary>Inspects the whole object. A non-seekable stream is buffered in memory first.</summary>
    /// <param name="objectKey">The S3 key (or file name); its extension is a hint only.</param>
    /// <param name="contentType">The object's Content-Type, if any; a hint only.</param>
    public static async Task<DocumentInspection> InspectAsync(string objectKey, string? contentType, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(objectKey);
        ArgumentNullException.ThrowIfNull(content);
        if (content.CanSeek)
        {
            return Inspect(objectKey, contentType, content, cancellationToken);
        }

        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        buffer.Position = 0;
        return Inspect(objectKey, contentType, buffer, cancellationToken);
    }

    /// <summary>Inspects a seekable stream from its current start (position 0); the position is left undefined.</summary>
    public static DocumentInspection Inspect(string objectKey, string? contentType, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(objectKey);
        ArgumentNullException.ThrowIfNull(content);
        if (!content.CanSeek)
        {
            throw new ArgumentException("The stream must be seekable; use InspectAsync for a network stream.", nameof(content));
        }

        var size = content.Length;
        if (size == 0)
        {
            return DocumentInspection.Reject("The object is empty.", size);
        }

        content.Position = 0;
        var head = new byte[(int)Math.Min(HeadBytes, size)];
        content.ReadExactly(head);
        content.Position = 0;
        var extension = Path.GetExtension(objectKey).ToLowerInvariant();

        if (head.AsSpan(0, Math.Min(head.Length, PdfHeaderSearchBytes)).IndexOf("%PDF-"u8) >= 0)
        {
            return InspectPdf(content, size);
        }

        if (head.AsSpan().StartsWith("PK\x03\x04"u8))
        {
            return InspectZip(content, size, cancellationToken);
        }

        if (KnownBinaryFormat(head) is { } binaryFormat)
        {
            return DocumentInspection.Reject($"The content is {binaryFormat}, which is not a supported type (txt, md, html, pdf, docx).", size);
        }

        if (extension is ".pdf" or ".docx")
        {
            var expected = extension == ".pdf" ? "a PDF (no %PDF- header)" : "a Word document (not a ZIP archive)";
            return DocumentInspection.Reject($"The name ends in {extension} but the content is not {expected}.", size);
        }

        return InspectText(head, extension, contentType, content, size, cancellationToken);
    }

    private static DocumentInspection InspectPdf(Stream content, long size)
    {
        int pages;
        try
        {
            using var document = PdfDocument.Open(content, new ParsingOptions { ClipPaths = false });
            pages = document.NumberOfPages;
        }
#pragma warning disable CA1031 // PdfPig signals a damaged file with many exception types; each one means "cannot read it".
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            return DocumentInspection.Reject($"The PDF cannot be opened: {PdfReasons.Describe(ex)}", size);
        }

        if (pages == 0)
        {
            return DocumentInspection.Reject("The PDF has no pages.", size);
        }

        return DocumentInspection.Accept(DocumentType.Pdf, size, (long)pages * TextEstimates.CharactersPerPdfPage, pages);
    }

    private static DocumentInspection InspectZip(Stream content, long size, CancellationToken cancellationToken)
    {
        try
        {
            using var archive = new ZipArchive(content, ZipArchiveMode.Read, leaveOpen: true);
            var body = archive.GetEntry(WordprocessingText.MainPartName);
            if (body is null)
            {
                return DocumentInspection.Reject(
                    $"The content is a ZIP archive without {WordprocessingText.MainPartName}, so not a Word document (other Office formats and archives are not supported).",
                    size);
            }

            using var stream = body.Open();
            var characters = WordprocessingText.CountCharacters(stream, cancellationToken);
            return DocumentInspection.Accept(DocumentType.Docx, size, characters);
        }
        catch (Exception ex) when (ex is InvalidDataException or XmlException or IOException)
        {
            return DocumentInspection.Reject($"The Word document is damaged: {ex.Message}", size);
        }
    }

    private static DocumentInspection InspectText(byte[] head, string extension, string? contentType, Stream content, long size, CancellationToken cancellationToken)
    {
        if (head is [0xFF, 0xFE, ..] or [0xFE, 0xFF, ..])
        {
            return DocumentInspection.Reject("The text is UTF-16; only UTF-8 text is supported.", size);
        }

        var (characters, problem) = Utf8TextMeasure.Measure(content, cancellationToken);
        if (problem is not null)
        {
            return DocumentInspection.Reject($"The content is not UTF-8 text ({problem}); binary files are not supported.", size);
        }

        var mediaType = contentType?.Split(';', 2)[0].Trim().ToLowerInvariant();
        var type = IsHtml(extension, mediaType, head) ? DocumentType.Html
            : extension is ".md" or ".markdown" || mediaType is "text/markdown" ? DocumentType.Markdown
            : DocumentType.Text;
        return DocumentInspection.Accept(type, size, characters);
    }

    private static bool IsHtml(string extension, string? mediaType, byte[] head)
    {
        if (extension is ".html" or ".htm" or ".xhtml" || mediaType is "text/html" or "application/xhtml+xml")
        {
            return true;
        }

        // A file that opens with an HTML doctype or root element is HTML whatever its name says.
        var start = Encoding.UTF8.GetString(head).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        return start.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase)
            || start.StartsWith("<html", StringComparison.OrdinalIgnoreCase);
    }

    private static string? KnownBinaryFormat(ReadOnlySpan<byte> head) =>
        head switch
        {
            [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, ..] =>
                "an OLE compound file: a legacy Office document (.doc, .xls, .ppt) or a password-protected Office document; save it as .docx without a password",
            [0x89, (byte)'P', (byte)'N', (byte)'G', ..] => "a PNG image",
            [0xFF, 0xD8, 0xFF, ..] => "a JPEG image",
            [(byte)'G', (byte)'I', (byte)'F', (byte)'8', ..] => "a GIF image",
            [(byte)'R', (byte)'I', (byte)'F', (byte)'F', ..] => "a RIFF file (WebP image, WAV audio or AVI video)",
            [0x1F, 0x8B, ..] => "gzip-compressed data",
            [(byte)'7', (byte)'z', 0xBC, 0xAF, ..] => "a 7-Zip archive",
            [(byte)'R', (byte)'a', (byte)'r', (byte)'!', ..] => "a RAR archive",
            [0x7F, (byte)'E', (byte)'L', (byte)'F', ..] => "an ELF executable",
            [(byte)'{', (byte)'\\', (byte)'r', (byte)'t', (byte)'f', ..] => "an RTF document",
            _ => null,
        };
}
