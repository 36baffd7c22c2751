using System.Text;

namespace ReferenceArchitectures.Documents;

internal static class Utf8TextMeasure
{
    private const int BlockBytes = 64 * 1024;

    /// <summary>
    /// Counts the characters of UTF-8 text in blocks, so that a large file is never held twice in memory; returns
    /// why the content is not text instead, for invalid UTF-8 or control characters that only binary files contain.
    /// </summary>
    public static (long Characters, string? Problem) Measure(Stream content, CancellationToken cancellationToken)
    {
        var decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetDecoder();
        var bytes = new byte[BlockBytes];
        var chars = new char[BlockBytes + 1];
        long characters = 0;
        long offset = 0;
        int read;
        while ((read = content.Read(bytes, 0, bytes.Length)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int decoded;
            try
            {
                decoded = decoder.GetChars(bytes, 0, read, chars, 0, flush: false);
            }
            catch (DecoderFallbackException ex)
            {
                return (0, $"invalid UTF-8 near byte {offset + Math.Max(ex.Index, 0)}");
            }

            if (FirstBinaryControl(chars.AsSpan(0, decoded)) is { } control)
            {
                return (0, $"control character U+{(int)control:X4}");
            }

            characters += decoded;
            offset += read;
        }

        try
        {
            characters += decoder.GetChars([], 0, 0, chars, 0, flush: true);
        }
        catch (DecoderFallbackException)
        {
            return (0, "the last character is cut off");
        }

        // The byte-order mark is not text.
        content.Position = 0;
        Span<byte> start = stackalloc byte[3];
        if (content.Read(start) == 3 && start.SequenceEqual("\uFEFF"u8))
        {
            characters--;
        }

        return (characters, null);
    }

    private static char? FirstBinaryControl(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            // Tab, line feed, form feed and carriage return occur in text; the other C0 controls mark binary data.
            if (c < ' ' && c is not '\t' and not '\n' and not '\r' and not '\f')
            {
                return c;
            }
        }

        return null;
    }
}
