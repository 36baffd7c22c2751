using ReferenceArchitectures.Testing.DocumentCorpus;

namespace ReferenceArchitectures.Documents.Tests;

public class TextExtractorTests
{
    private static ExtractedText Extract(DocumentType type, byte[] content) => TextExtractor.Extract(type, new MemoryStream(content), CancellationToken.None);

    [Fact]
    public void Every_line_of_every_pdf_page_appears_in_page_order()
    {
        var pages = Corpus.PdfPages(pages: 3);

        var extracted = Extract(DocumentType.Pdf, Corpus.Pdf(pages.Cast<IReadOnlyList<string>>()));

        Assert.Equal(3, extracted.Pages);
        var text = Prose.Flatten(extracted.Text);
        var position = 0;
        foreach (var line in pages.SelectMany(p => p).Where(l => l.Length > 0))
        {
            var found = text.IndexOf(Prose.Flatten(line), position, StringComparison.Ordinal);
            Assert.True(found >= 0, $"Missing or out of order: \"{line}\"");
            position = found;
        }
    }

    [Fact]
    public void Pdf_pages_are_separated_by_a_blank_line()
    {
        var extracted = Extract(DocumentType.Pdf, Corpus.Pdf([["Page one says hello."], ["Page two says goodbye."]]));

        Assert.Equal("Page one says hello.\n\nPage two says goodbye.", extracted.Text);
    }

    [Fact]
    public void A_pdf_without_a_text_layer_is_unreadable_because_ocr_is_not_done()
    {
        var error = Assert.Throws<DocumentUnreadableException>(() => Extract(DocumentType.Pdf, Corpus.PdfWithoutText()));

        Assert.Equal(DocumentType.Pdf, error.DocumentType);
        Assert.Contains("OCR", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_bytes_read_as_pdf_are_unreadable_with_a_reason()
    {
        var error = Assert.Throws<DocumentUnreadableException>(() => Extract(DocumentType.Pdf, Corpus.RandomBytes(4000)));

        Assert.Contains("damaged or truncated", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_pdf_is_unreadable_as_damaged()
    {
        var pdf = Corpus.Pdf(pages: 4);

        var error = Assert.Throws<DocumentUnreadableException>(() => Extract(DocumentType.Pdf, pdf[..(pdf.Length / 3)]));

        Assert.Contains("damaged or truncated", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_encrypted_pdf_is_unreadable_because_it_needs_a_password()
    {
        var error = Assert.Throws<DocumentUnreadableException>(() => Extract(DocumentType.Pdf, Corpus.EncryptedPdf()));

        Assert.Contains("password", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Docx_paragraphs_come_out_as_paragraphs()
    {
        string[] paragraphs = ["The lease runs for five years.", "Rent is due on the first of each month."];

        var extracted = Extract(DocumentType.Docx, Corpus.Docx(paragraphs));

        Assert.Equal(string.Join("\n\n", paragraphs), extracted.Text);
        Assert.Null(extracted.Pages);
    }

    [Fact]
    public void A_zip_read_as_docx_is_unreadable_with_a_reason()
    {
        var error = Assert.Throws<DocumentUnreadableException>(() => Extract(DocumentType.Docx, Corpus.ZipThatIsNotDocx()));

        Assert.Equal(DocumentType.Docx, error.DocumentType);
        Assert.False(string.IsNullOrWhiteSpace(error.Reason));
    }

    [Fact]
    public void A_pdf_read_as_docx_is_unreadable_as_damaged()
    {
        var error = Assert.Throws<DocumentUnreadableException>(() => Extract(DocumentType.Docx, Corpus.Pdf(pages: 1)));

        Assert.Contains("damaged", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_docx_whose_body_is_not_xml_is_unreadable_as_damaged()
    {
        var error = Assert.Throws<DocumentUnreadableException>(() => Extract(DocumentType.Docx, Corpus.DocxWithBrokenBody()));

        Assert.Contains("damaged", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_keeps_the_title_headings_and_paragraphs_on_their_own_lines()
    {
        string[] paragraphs = ["Fog lay over the quay.", "The ferry ran late & full."];

        var extracted = Extract(DocumentType.Html, Corpus.Html(paragraphs));

        Assert.Equal("Karrow Harbour Notes\n\nHarbour report\n\nFog lay over the quay.\n\nThe ferry ran late & full.", extracted.Text);
    }

    [Fact]
    public void Html_scripts_styles_and_comments_are_dropped()
    {
        var extracted = Extract(DocumentType.Html, Corpus.Html(Prose.Paragraphs(2000)));

        Assert.DoesNotContain("scriptMarker", extracted.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden-style-marker", extracted.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("comment marker", extracted.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_inline_markup_and_whitespace_collapse_into_words_and_line_breaks_stay()
    {
        var html = "<div>Tide   <b>high</b>\n at <i>noon</i>.<br>Low at six.</div><ul><li>North pier</li><li>Quay</li></ul><pre>a  b\n c</pre>";

        var extracted = Extract(DocumentType.Html, Corpus.Utf8(html));

        Assert.Equal("Tide high at noon.\nLow at six.\n\nNorth pier\nQuay\n\na  b\n c", extracted.Text);
    }

    [Fact]
    public void Markdown_is_kept_as_written()
    {
        var markdown = "# Harbour report\r\n\r\n- North pier closed\r\n- Ferry at *nine*\r\n";

        var extracted = Extract(DocumentType.Markdown, Corpus.Utf8(markdown));

        Assert.Equal("# Harbour report\n\n- North pier closed\n- Ferry at *nine*", extracted.Text);
    }

    [Fact]
    public async Task Text_from_a_non_seekable_stream_is_read_whole()
    {
        var text = Prose.Text(20_000);

        var extracted = await TextExtractor.ExtractAsync(DocumentType.Text, new ForwardOnlyStream(Corpus.Utf8(text)), CancellationToken.None);

        Assert.Equal(text, extracted.Text);
    }

    [Fact]
    public void Invalid_utf8_read_as_text_is_unreadable()
    {
        var error = Assert.Throws<DocumentUnreadableException>(() => Extract(DocumentType.Text, [0x41, 0xC3, 0x28]));

        Assert.Contains("UTF-8", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_text_file_of_only_whitespace_is_unreadable_as_having_no_text()
    {
        var error = Assert.Throws<DocumentUnreadableException>(() => Extract(DocumentType.Text, Corpus.Utf8(" \n\t\n ")));

        Assert.Contains("no text", error.Reason, StringComparison.Ordinal);
    }
}
