namespace ReferenceArchitectures.Documents;

/// <summary>A piece of a document's text, with where it sits in the whole.</summary>
public sealed record TextChunk(int Index, int Start, int Length, string Text)
{
    public int End => Start + Length;
}

/// <summary>How to cut text into chunks.</summary>
/// <param name="MaxCharacters">Longest chunk, in UTF-16 characters; at least 2.</param>
/// <param name="OverlapCharacters">How much of the end of one chunk the next chunk repeats; less than half of
/// <paramref name="MaxCharacters"/>, so that every chunk moves on by at least half a chunk.</param>
public sealed record ChunkingOptions(int MaxCharacters, int OverlapCharacters = 0)
{
    /// <summary>Sizes given in approximate model tokens (<see cref="TextEstimates.CharactersPerToken"/>).</summary>
    public static ChunkingOptions FromTokens(int maxTokens, int overlapTokens = 0) =>
        new(checked(maxTokens * TextEstimates.CharactersPerToken), checked(overlapTokens * TextEstimates.CharactersPerToken));

    public ChunkingOptions Validate()
    {
        if (MaxCharacters < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxCharacters), MaxCharacters, "A chunk must be allowed at least 2 characters.");
        }

        if (OverlapCharacters < 0 || OverlapCharacters >= (MaxCharacters + 1) / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(OverlapCharacters), OverlapCharacters,
                $"The overlap must be at least 0 and less than half of MaxCharacters ({MaxCharacters}).");
        }

        return this;
    }
}

/// <summary>
/// Cuts text into chunks of at most <see cref="ChunkingOptions.MaxCharacters"/>, preferring to cut after a paragraph,
/// then after a line, then after a sentence, then between words, and only then inside a word. The result depends on
/// the text and the options alone, and the chunks together cover every character of the text.
/// </summary>
public static class TextChunker
{
    public static IReadOnlyList<TextChunk> Split(string text, ChunkingOptions options)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var chunks = new List<TextChunk>();
        var start = 0;
        while (start < text.Length)
        {
            var end = ChunkEnd(text, start, options.MaxCharacters);
            chunks.Add(new TextChunk(chunks.Count, start, end - start, text[start..end]));
            if (end == text.Length)
            {
                break;
            }

            start = NextStart(text, start, end, options.OverlapCharacters);
        }

        return chunks;
    }

    private static int ChunkEnd(string text, int start, int maxCharacters)
    {
        var limit = start + maxCharacters;
        if (limit >= text.Length)
        {
            return text.Length;
        }

        // Cuts are looked for in the second half of the window only, so that no chunk is much shorter than the limit.
        var earliest = start + (maxCharacters / 2);
        var window = text.AsSpan(earliest, limit - earliest);

        var paragraph = window.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (paragraph >= 0)
        {
            return earliest + paragraph + 2;
        }

        var line = window.LastIndexOf('\n');
        if (line >= 0)
        {
            return earliest + line + 1;
        }

        var sentence = LastSentenceEnd(window);
        if (sentence >= 0)
        {
            return earliest + sentence;
        }

        var space = window.LastIndexOfAny(' ', '\t');
        if (space >= 0)
        {
            return earliest + space + 1;
        }

        // No boundary at all: cut at the limit, but never between the two halves of a surrogate pair.
        var cut = limit;
        if (char.IsHighSurrogate(text[cut - 1]) && char.IsLowSurrogate(text[cut]))
        {
            cut--;
        }

        return cut > start ? cut : limit;
    }

    /// <summary>The index just after the whitespace that follows the last sentence-ending mark, or -1.</summary>
    private static int LastSentenceEnd(ReadOnlySpan<char> window)
    {
        for (var i = window.Length - 2; i >= 0; i--)
        {
            if (window[i] is '.' or '!' or '?' or '。' && char.IsWhiteSpace(window[i + 1]))
            {
                return i + 2;
            }
        }

        return -1;
    }

    private static int NextStart(string text, int start, int end, int overlap)
    {
        if (overlap == 0)
        {
            return end;
        }

        // Begin the overlap at a word, so that the repeated text does not start with half a word.
        var candidate = end - overlap;
        var space = text.AsSpan(candidate, end - candidate).IndexOfAny(' ', '\n', '\t');
        if (space >= 0 && candidate + space + 1 < end)
        {
            candidate += space + 1;
        }

        if (char.IsLowSurrogate(text[candidate]) && candidate > 0 && char.IsHighSurrogate(text[candidate - 1]))
        {
            candidate++;
        }

        return Math.Max(candidate, start + 1);
    }
}
