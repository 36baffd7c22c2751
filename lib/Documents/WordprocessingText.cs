using System.Text;
using System.Xml;

namespace ReferenceArchitectures.Documents;

/// <summary>Reads the text of a WordprocessingML main part (ECMA-376 Part 1, 17.3) as a stream of XML.</summary>
internal static class WordprocessingText
{
    public const string MainPartName = "word/document.xml";
    public const string Namespace = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

    private static readonly XmlReaderSettings ReaderSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
    };

    /// <summary>Counts the characters in the text runs (<c>w:t</c>) without building the document in memory.</summary>
    public static long CountCharacters(Stream mainPart, CancellationToken cancellationToken)
    {
        long characters = 0;
        using var reader = XmlReader.Create(mainPart, ReaderSettings);
        reader.Read();
        while (!reader.EOF)
        {
            if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "t" && reader.NamespaceURI == Namespace)
            {
                cancellationToken.ThrowIfCancellationRequested();

                // Reading the content moves past the end tag, onto the next node, so no Read() follows it.
                characters += reader.ReadElementContentAsString().Length;
            }
            else
            {
                reader.Read();
            }
        }

        return characters;
    }

    /// <summary>
    /// The document's text: each paragraph of the body (<c>w:p</c>, 17.3.1.22) followed by a blank line. A paragraph
    /// inside another (a text box, 17.17.1.1) is read as part of the paragraph that anchors it. Within a paragraph, text
    /// runs (<c>w:t</c>) keep their text, a tab character (<c>w:tab</c> in a run, 17.3.3.32) becomes a tab, and a break
    /// (<c>w:br</c>, 17.3.3.1; <c>w:cr</c>, 17.3.3.4) a line break, since both separate words. Deleted text
    /// (<c>w:delText</c>) and field codes (<c>w:instrText</c>) are not text of the document.
    /// </summary>
    /// <returns>The text, or null when the part has no body (17.2.2).</returns>
    /// <exception cref="XmlException">The part is not well-formed XML.</exception>
    public static string? ReadText(Stream mainPart, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var sawBody = false;
        var paragraphDepth = 0;
        var inTabStops = 0;
        using var reader = XmlReader.Create(mainPart, ReaderSettings);
        reader.Read();
        while (!reader.EOF)
        {
            if (reader.NamespaceURI != Namespace || reader.NodeType is not (XmlNodeType.Element or XmlNodeType.EndElement))
            {
                reader.Read();
                continue;
            }

            var isStart = reader.NodeType == XmlNodeType.Element;
            switch (reader.LocalName)
            {
                case "body":
                    sawBody |= isStart;
                    break;
                case "p" when isStart && reader.IsEmptyElement:
                    if (paragraphDepth == 0)
                    {
                        text.Append("\n\n");
                    }

                    break;
                case "p" when isStart:
                    cancellationToken.ThrowIfCancellationRequested();
                    paragraphDepth++;
                    break;
                case "p":
                    paragraphDepth--;
                    if (paragraphDepth == 0)
                    {
                        text.Append("\n\n");
                    }

                    break;
                // w:tab inside w:tabs is a tab stop of the paragraph's properties (17.3.1.37), not a character.
                case "tabs" when isStart && !reader.IsEmptyElement:
                    inTabStops++;
                    break;
                case "tabs" when !isStart:
                    inTabStops--;
                    break;
                case "t" when isStart && paragraphDepth > 0:
                    // Reading the content moves past the end tag, onto the next node, so no Read() follows it.
                    text.Append(reader.ReadElementContentAsString());
                    continue;
                case "tab" when isStart && paragraphDepth > 0 && inTabStops == 0:
                    text.Append('\t');
                    break;
                case "br" or "cr" when isStart && paragraphDepth > 0:
                    text.Append('\n');
                    break;
            }

            reader.Read();
        }

        return sawBody ? text.ToString() : null;
    }
}
