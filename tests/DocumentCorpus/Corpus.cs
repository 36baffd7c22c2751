using System.Globalization;
using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using PageSize = UglyToad.PdfPig.Content.PageSize;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace ReferenceArchitectures.Testing.DocumentCorpus;

/// <summary>
/// Real documents of every supported type, made by the tests from <see cref="Prose"/>, and broken ones.
/// </summary>
public static class Corpus
{
    private const int PdfLineWidth = 85;
    private const int PdfLinesPerPage = 50;

    /// <summary>A PDF with <paramref name="pages"/> pages of prose, written with PdfPig's builder.</summary>
    public static byte[] Pdf(int pages, int seed = 1) => Pdf(PdfPages(pages, seed));

    /// <summary>The lines that <see cref="Pdf(int, int)"/> writes on each page.</summary>
    public static List<List<string>> PdfPages(int pages, int seed = 1)
    {
        var lines = Prose.Paragraphs(pages * PdfLinesPerPage * PdfLineWidth, seed)
            .SelectMany(p => Prose.Wrap(p, PdfLineWidth).Append(""))
            .ToList();
        return [.. Enumerable.Range(0, pages).Select(p => lines.Skip(p * PdfLinesPerPage).Take(PdfLinesPerPage).ToList())];
    }

    public static byte[] Pdf(IEnumerable<IReadOnlyList<string>> pages)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        foreach (var lines in pages)
        {
            var page = builder.AddPage(PageSize.A4);
            var y = 800d;
            foreach (var line in lines)
            {
                if (line.Length > 0)
                {
                    page.AddText(line, 10, new PdfPoint(40, y), font);
                }

                y -= 15;
            }
        }

        return builder.Build();
    }

    /// <summary>A PDF whose one page draws only a rectangle: no text layer, as a scan would be.</summary>
    public static byte[] PdfWithoutText()
    {
        var builder = new PdfDocumentBuilder();
        var page = builder.AddPage(PageSize.A4);
        page.DrawRectangle(new PdfPoint(100, 100), 200, 300);
        return builder.Build();
    }

    /// <summary>
    /// A PDF that declares the standard security handler with owner and user keys that match no password, so that
    /// it cannot be opened; written by hand after ISO 32000-1, 7.6.3.
    /// </summary>
    public static byte[] EncryptedPdf()
    {
        var key = string.Concat(Enumerable.Repeat("5A3C", 16));
        string[] objects =
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            "<< /Length 20 >>\nstream\n0123456789abcdefghij\nendstream",
            $"<< /Filter /Standard /V 1 /R 2 /O <{key}> /U <{key}> /P -44 >>",
        ];
        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append(CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }

        var xref = pdf.Length;
        pdf.Append(CultureInfo.InvariantCulture, $"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            pdf.Append(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        }

        pdf.Append(CultureInfo.InvariantCulture,
            $"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R /Encrypt 5 0 R /ID [<{key[..32]}> <{key[..32]}>] >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }

    /// <summary>A Word document with one paragraph per entry, written with the Open XML SDK.</summary>
    public static byte[] Docx(IEnumerable<string> paragraphs)
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = document.AddMainDocumentPart();
            main.Document = new Document(new Body(paragraphs.Select(p => new Paragraph(new Run(new Text(p) { Space = SpaceProcessingModeValues.Preserve })))));
        }

        return stream.ToArray();
    }

    public static byte[] Html(IEnumerable<string> paragraphs, string title = "Karrow Harbour Notes")
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<!DOCTYPE html>\n<html>\n<head><title>{title}</title>\n");
        html.Append("<style>body { font-family: serif; } .hidden-style-marker { color: red; }</style>\n");
        html.Append("<script>var scriptMarker = 'should not appear';</script>\n</head>\n<body>\n<h1>Harbour report</h1>\n");
        foreach (var paragraph in paragraphs)
        {
            html.Append("<p>").Append(paragraph.Replace("&", "&amp;", StringComparison.Ordinal)).Append("</p>\n");
        }

        html.Append("<!-- a comment marker -->\n</body>\n</html>\n");
        return Encoding.UTF8.GetBytes(html.ToString());
    }

    public static byte[] Markdown(IEnumerable<string> paragraphs) =>
        Encoding.UTF8.GetBytes("# Harbour report\n\n" + string.Join("\n\n", paragraphs.Select((p, i) => i % 3 == 0 ? "- " + p : p)) + "\n");

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A ZIP archive that holds a text file and nothing of a Word document.</summary>
    public static byte[] ZipThatIsNotDocx()
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = new StreamWriter(archive.CreateEntry("readme.txt").Open());
            entry.Write("Not a Word document.");
        }

        return stream.ToArray();
    }

    /// <summary>A real Word document whose main part has been cut off in the middle of the XML.</summary>
    public static byte[] DocxWithBrokenBody()
    {
        using var stream = new MemoryStream();
        stream.Write(Docx(["The first paragraph survives.", "The second is lost."]));
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Update, leaveOpen: true))
        {
            var body = archive.GetEntry("word/document.xml")!;
            string xml;
            using (var reader = new StreamReader(body.Open()))
            {
                xml = reader.ReadToEnd();
            }

            body.Delete();
            using var writer = new StreamWriter(archive.CreateEntry("word/document.xml").Open());
            writer.Write(xml[..(xml.Length / 2)]);
        }

        return stream.ToArray();
    }

    public static byte[] RandomBytes(int length, int seed = 7)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>The 8-byte PNG signature (RFC 2083, 3.1) and an IHDR chunk header.</summary>
    public static byte[] Png() => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0];

    /// <summary>Bytes of a little-endian integer table: valid enough as a file, but full of NUL bytes.</summary>
    public static byte[] BinaryTable() => [.. Enumerable.Range(0, 256).SelectMany(BitConverter.GetBytes)];
}
