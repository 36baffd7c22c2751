using System.Text;
using HtmlAgilityPack;

namespace ReferenceArchitectures.Documents;

/// <summary>
/// Writes the readable text of an HTML tree: no scripts, styles or comments; whitespace collapsed as a browser
/// would, except inside <c>pre</c>; block elements on lines of their own, paragraphs apart by a blank line.
/// </summary>
internal sealed class HtmlTextWriter
{
    private static readonly HashSet<string> Invisible = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas", "head",
    };

    private static readonly HashSet<string> ParagraphBlocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "div", "section", "article", "header", "footer", "main", "nav",
        "aside", "blockquote", "pre", "ul", "ol", "dl", "table", "form", "figure", "fieldset", "address", "hr", "title",
        "details", "summary",
    };

    private static readonly HashSet<string> LineBlocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "br", "li", "tr", "dt", "dd", "caption", "figcaption", "legend", "option",
    };

    private readonly StringBuilder _text = new();
    private int _pendingBreaks;
    private bool _pendingSpace;

    public void Write(HtmlNode root)
    {
        // The title says what the page is about; the rest of head is metadata.
        var title = root.Descendants("title").FirstOrDefault(t => string.Equals(t.ParentNode?.Name, "head", StringComparison.OrdinalIgnoreCase));
        if (title is not null)
        {
            WriteNode(title, preformatted: false);
        }

        WriteNode(root, preformatted: false);
    }

    public override string ToString() => _text.ToString();

    private void WriteNode(HtmlNode node, bool preformatted)
    {
        switch (node.NodeType)
        {
            case HtmlNodeType.Comment:
                return;
            case HtmlNodeType.Text:
                WriteText(HtmlEntity.DeEntitize(((HtmlTextNode)node).Text) ?? "", preformatted);
                return;
        }

        var name = node.Name;
        if (node.NodeType == HtmlNodeType.Element && Invisible.Contains(name))
        {
            return;
        }

        var breaks = ParagraphBlocks.Contains(name) ? 2 : LineBlocks.Contains(name) ? 1 : 0;
        Break(breaks);
        if (name is "td" or "th" && node.PreviousSibling is not null)
        {
            _pendingSpace = true;
        }

        var inPre = preformatted || string.Equals(name, "pre", StringComparison.OrdinalIgnoreCase);
        foreach (var child in node.ChildNodes)
        {
            WriteNode(child, inPre);
        }

        Break(breaks);
    }

    private void WriteText(string text, bool preformatted)
    {
        if (preformatted)
        {
            Flush();
            _text.Append(text);
            return;
        }

        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                _pendingSpace = true;
                continue;
            }

            Flush();
            _text.Append(c);
        }
    }

    private void Flush()
    {
        if (_text.Length == 0)
        {
            _pendingBreaks = 0;
            _pendingSpace = false;
            return;
        }

        if (_pendingBreaks > 0)
        {
            _text.Append('\n', _pendingBreaks);
        }
        else if (_pendingSpace)
        {
            _text.Append(' ');
        }

        _pendingBreaks = 0;
        _pendingSpace = false;
    }

    private void Break(int breaks)
    {
        if (breaks > _pendingBreaks)
        {
            _pendingBreaks = breaks;
        }
    }
}
