using System.IO.Compression;
using System.Text;

namespace ReferenceArchitectures.Documents.Tests;

/// <summary>
/// The docx reader against hand-written WordprocessingML (ECMA-376 Part 1, 17.3), for the parts of the format that
/// decide which characters are text: runs, tab characters against tab stops, breaks, text boxes, deleted text.
/// </summary>
public class WordprocessingTextTests
{
    private const string W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

    [Fact]
    public void Tabs_in_runs_and_breaks_separate_words_and_tab_stops_add_nothing()
    {
        var text = Extract("""
            <w:p><w:r><w:t>Terms:</w:t></w:r></w:p>
            <w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>
              <w:r><w:t>Name</w:t><w:tab/><w:t>Value</w:t><w:br/><w:t>Next</w:t><w:cr/><w:t>Last</w:t></w:r></w:p>
            """);

        Assert.Equal("Terms:\n\nName\tValue\nNext\nLast", text);
    }

    [Fact]
    public void A_text_box_is_read_with_the_paragraph_that_anchors_it()
    {
        var text = Extract("""
            <w:p><w:r><w:t xml:space="preserve">Before the box </w:t></w:r>
              <w:r><w:pict><w:txbxContent><w:p><w:r><w:t>boxed</w:t></w:r></w:p></w:txbxContent></w:pict></w:r>
              <w:r><w:t xml:space="preserve"> after.</w:t></w:r></w:p>
            <w:p><w:r><w:t>Second paragraph.</w:t></w:r></w:p>
            """);

        Assert.Equal("Before the box boxed after.\n\nSecond paragraph.", text);
    }

    [Fact]
    public void Deleted_text_and_field_codes_are_not_text_and_an_empty_paragraph_is_a_blank_line()
    {
        var text = Extract("""
            <w:p><w:del><w:r><w:delText>withdrawn </w:delText></w:r></w:del><w:r><w:t>Kept.</w:t></w:r></w:p>
            <w:p/>
            <w:p><w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:t>Shown.</w:t></w:r></w:p>
            """);

        Assert.Equal("Kept.\n\n\n\nShown.", text);
    }

    [Fact]
    public void A_main_part_without_a_body_is_unreadable_and_says_so()
    {
        var error = Assert.Throws<DocumentUnreadableException>(() => ExtractPart($"""<w:document xmlns:w="{W}"/>"""));

        Assert.Contains("no document body", error.Reason, StringComparison.Ordinal);
    }

    private static string Extract(string bodyXml) =>
        ExtractPart($"""<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>{bodyXml}</w:body></w:document>""");

    private static string ExtractPart(string mainPart)
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = archive.CreateEntry("word/document.xml").Open();
            entry.Write(Encoding.UTF8.GetBytes(mainPart));
        }

        stream.Position = 0;
        return TextExtractor.Extract(DocumentType.Docx, stream, CancellationToken.None).Text;
    }
}
