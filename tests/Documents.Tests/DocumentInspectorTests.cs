using ReferenceArchitectures.Testing.DocumentCorpus;

namespace ReferenceArchitectures.Documents.Tests;

public class DocumentInspectorTests
{
    private static Task<DocumentInspection> InspectAsync(string key, byte[] content, string? contentType = null) =>
        DocumentInspector.InspectAsync(key, contentType, new MemoryStream(content), CancellationToken.None);

    [Fact]
    public async Task A_pdf_is_accepted_with_its_size_and_page_count()
    {
        var pdf = Corpus.Pdf(pages: 3);

        var inspection = await InspectAsync("incoming/report.pdf", pdf);

        Assert.True(inspection.Accepted, inspection.RejectionReason);
        Assert.Equal(DocumentType.Pdf, inspection.DocumentType);
        Assert.Equal(pdf.Length, inspection.SizeBytes);
        Assert.Equal(3, inspection.Pages);
        Assert.Equal(3 * TextEstimates.CharactersPerPdfPage, inspection.EstimatedCharacters);
        Assert.Equal(inspection.EstimatedCharacters / 4, inspection.EstimatedTokens);
    }

    [Fact]
    public async Task A_pdf_is_recognised_by_its_header_whatever_its_name()
    {
        var inspection = await InspectAsync("incoming/upload.bin", Corpus.Pdf(pages: 1), "application/octet-stream");

        Assert.Equal(DocumentType.Pdf, inspection.DocumentType);
    }

    [Fact]
    public async Task A_docx_is_accepted_with_the_exact_count_of_its_text_characters()
    {
        string[] paragraphs = ["First paragraph of the lease.", "Second paragraph, a little longer than the first."];

        var inspection = await InspectAsync("incoming/lease.docx", Corpus.Docx(paragraphs));

        Assert.True(inspection.Accepted, inspection.RejectionReason);
        Assert.Equal(DocumentType.Docx, inspection.DocumentType);
        Assert.Equal(paragraphs.Sum(p => p.Length), inspection.EstimatedCharacters);
        Assert.Null(inspection.Pages);
    }

    [Fact]
    public async Task Html_is_recognised_by_its_doctype_without_an_extension()
    {
        var inspection = await InspectAsync("incoming/page", Corpus.Html(Prose.Paragraphs(500)));

        Assert.Equal(DocumentType.Html, inspection.DocumentType);
    }

    [Theory]
    [InlineData("notes.html", null)]
    [InlineData("notes.htm", null)]
    [InlineData("notes", "text/html; charset=utf-8")]
    public async Task Html_is_recognised_by_its_extension_or_content_type(string key, string? contentType)
    {
        var inspection = await InspectAsync(key, Corpus.Utf8("<p>A fragment without a doctype.</p>"), contentType);

        Assert.Equal(DocumentType.Html, inspection.DocumentType);
    }

    [Theory]
    [InlineData("readme.md", null)]
    [InlineData("readme.markdown", null)]
    [InlineData("readme", "text/markdown")]
    public async Task Markdown_is_recognised_by_its_extension_or_content_type(string key, string? contentType)
    {
        var inspection = await InspectAsync(key, Corpus.Markdown(Prose.Paragraphs(300)), contentType);

        Assert.Equal(DocumentType.Markdown, inspection.DocumentType);
    }

    [Fact]
    public async Task Utf8_text_is_plain_text_with_its_characters_counted_without_the_byte_order_mark()
    {
        var text = "Grüße aus Karrow — 2 € for the ferry.";
        byte[] content = [0xEF, 0xBB, 0xBF, .. Corpus.Utf8(text)];

        var inspection = await InspectAsync("incoming/greeting.txt", content, "text/plain");

        Assert.Equal(DocumentType.Text, inspection.DocumentType);
        Assert.Equal(text.Length, inspection.EstimatedCharacters);
        Assert.Equal(content.Length, inspection.SizeBytes);
    }

    [Fact]
    public async Task A_non_seekable_stream_is_inspected_like_a_seekable_one()
    {
        var pdf = Corpus.Pdf(pages: 2);

        var inspection = await DocumentInspector.InspectAsync("a.pdf", null, new ForwardOnlyStream(pdf), CancellationToken.None);

        Assert.Equal(2, inspection.Pages);
        Assert.Equal(pdf.Length, inspection.SizeBytes);
    }

    [Fact]
    public async Task An_empty_object_is_rejected()
    {
        var inspection = await InspectAsync("incoming/empty.txt", []);

        Assert.False(inspection.Accepted);
        Assert.Contains("empty", inspection.RejectionReason, StringComparison.OrdinalIgnoreCase);
        Assert.Null(inspection.DocumentType);
    }

    [Fact]
    public async Task A_png_is_rejected_as_an_unsupported_type()
    {
        var inspection = await InspectAsync("incoming/photo.png", Corpus.Png());

        Assert.False(inspection.Accepted);
        Assert.Contains("PNG image", inspection.RejectionReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_png_named_txt_is_still_rejected()
    {
        var inspection = await InspectAsync("incoming/photo.txt", Corpus.Png(), "text/plain");

        Assert.False(inspection.Accepted);
        Assert.Contains("PNG image", inspection.RejectionReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Random_bytes_named_pdf_are_rejected_as_not_a_pdf()
    {
        var inspection = await InspectAsync("incoming/report.pdf", Corpus.RandomBytes(5000));

        Assert.False(inspection.Accepted);
        Assert.Contains("not a PDF", inspection.RejectionReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Binary_content_named_txt_is_rejected_as_not_text()
    {
        var inspection = await InspectAsync("incoming/table.txt", Corpus.BinaryTable());

        Assert.False(inspection.Accepted);
        Assert.Contains("not UTF-8 text", inspection.RejectionReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_utf8_is_rejected_with_where_it_goes_wrong()
    {
        byte[] latin1 = [.. Corpus.Utf8("caf"), 0xE9, .. Corpus.Utf8(" au lait")];

        var inspection = await InspectAsync("incoming/menu.txt", latin1);

        Assert.False(inspection.Accepted);
        Assert.Contains("invalid UTF-8 near byte 3", inspection.RejectionReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Utf16_text_is_rejected_with_a_hint_to_save_it_as_utf8()
    {
        byte[] utf16 = [0xFF, 0xFE, .. System.Text.Encoding.Unicode.GetBytes("hello")];

        var inspection = await InspectAsync("incoming/notes.txt", utf16);

        Assert.False(inspection.Accepted);
        Assert.Contains("UTF-16", inspection.RejectionReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_zip_archive_that_is_not_a_word_document_is_rejected()
    {
        var inspection = await InspectAsync("incoming/contract.docx", Corpus.ZipThatIsNotDocx());

        Assert.False(inspection.Accepted);
        Assert.Contains("not a Word document", inspection.RejectionReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_word_document_whose_body_is_not_xml_is_rejected_as_damaged()
    {
        var inspection = await InspectAsync("incoming/contract.docx", Corpus.DocxWithBrokenBody());

        Assert.False(inspection.Accepted);
        Assert.Contains("damaged", inspection.RejectionReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_legacy_or_password_protected_office_file_is_rejected_with_advice()
    {
        byte[] ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, .. new byte[504]];

        var inspection = await InspectAsync("incoming/contract.docx", ole);

        Assert.False(inspection.Accepted);
        Assert.Contains("save it as .docx without a password", inspection.RejectionReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_pdf_is_rejected_as_damaged()
    {
        var pdf = Corpus.Pdf(pages: 4);

        var inspection = await InspectAsync("incoming/cut.pdf", pdf[..(pdf.Length / 3)]);

        Assert.False(inspection.Accepted);
        Assert.Contains("damaged or truncated", inspection.RejectionReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_encrypted_pdf_is_rejected_as_needing_a_password()
    {
        var inspection = await InspectAsync("incoming/secret.pdf", Corpus.EncryptedPdf());

        Assert.False(inspection.Accepted);
        Assert.Contains("encrypted", inspection.RejectionReason, StringComparison.Ordinal);
    }
}
