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
}
