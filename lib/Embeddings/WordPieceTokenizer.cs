using System.Globalization;
using System.Text;

namespace ReferenceArchitectures.Embeddings;

/// <summary>A text as the model sees it: token ids with <c>[CLS]</c> first and <c>[SEP]</c> last.</summary>
/// <param name="Ids">Vocabulary ids, special tokens included.</param>
/// <param name="Truncated">True when word pieces past the model's token limit were dropped.</param>
public sealed record TokenizedText(int[] Ids, bool Truncated)
{
    /// <summary>Tokens the model processes for this text, special tokens included.</summary>
    public int Length => Ids.Length;
}

/// <summary>
/// BERT's uncased tokenizer: the basic tokenizer (clean the text, lower-case, strip accents, split on whitespace and
/// punctuation, CJK ideographs as words of their own), then greedy longest-match WordPiece with <c>##</c>
/// continuations. This is the preprocessing all-MiniLM-L6-v2 was trained with; any difference shows up as lower
/// similarity quality, which the STS Benchmark test measures.
/// </summary>
public sealed class WordPieceTokenizer
{
    /// <summary>BERT maps a word longer than this (in code points) to <c>[UNK]</c> without trying to split it.</summary>
    public const int MaxCharactersPerWord = 100;

    private const string ContinuationPrefix = "##";

    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _wordStarts;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _continuations;

    private WordPieceTokenizer(Dictionary<string, int> wordStarts, Dictionary<string, int> continuations, int unknownId, int classId, int separatorId, int paddingId, int vocabularySize)
    {
        _wordStarts = wordStarts.GetAlternateLookup<ReadOnlySpan<char>>();
        _continuations = continuations.GetAlternateLookup<ReadOnlySpan<char>>();
        UnknownId = unknownId;
        ClassId = classId;
        SeparatorId = separatorId;
        PaddingId = paddingId;
        VocabularySize = vocabularySize;
    }

    /// <summary>Id of <c>[UNK]</c>.</summary>
    public int UnknownId { get; }

    /// <summary>Id of <c>[CLS]</c>, the first token of every text.</summary>
    public int ClassId { get; }

    /// <summary>Id of <c>[SEP]</c>, the last token of every text.</summary>
    public int SeparatorId { get; }

    /// <summary>Id of <c>[PAD]</c>.</summary>
    public int PaddingId { get; }

    /// <summary>Number of entries in the vocabulary.</summary>
    public int VocabularySize { get; }

    /// <summary>Builds a tokenizer from a BERT <c>vocab.txt</c>: one token per line, the line number is its id.</summary>
    /// <exception cref="InvalidDataException">The vocabulary lacks one of the special tokens.</exception>
    public static WordPieceTokenizer FromVocabulary(string vocabularyText)
    {
        ArgumentNullException.ThrowIfNull(vocabularyText);
        var wordStarts = new Dictionary<string, int>(StringComparer.Ordinal);
        var continuations = new Dictionary<string, int>(StringComparer.Ordinal);
        var id = 0;
        foreach (var range in vocabularyText.AsSpan().Split('\n'))
        {
            var token = vocabularyText.AsSpan(range).TrimEnd('\r');
            if (token.IsEmpty && range.End.GetOffset(vocabularyText.Length) == vocabularyText.Length)
            {
                break; // the newline after the last token
            }

            if (token.StartsWith(ContinuationPrefix) && token.Length > ContinuationPrefix.Length)
            {
                continuations.TryAdd(token[ContinuationPrefix.Length..].ToString(), id);
            }
            else
            {
                wordStarts.TryAdd(token.ToString(), id);
            }

            id++;
        }

        return new WordPieceTokenizer(
            wordStarts,
            continuations,
            SpecialTokenId(wordStarts, "[UNK]"),
            SpecialTokenId(wordStarts, "[CLS]"),
            SpecialTokenId(wordStarts, "[SEP]"),
            SpecialTokenId(wordStarts, "[PAD]"),
            id);
    }

    /// <summary>
    /// Tokenizes <paramref name="text"/> into at most <paramref name="maxTokens"/> ids, <c>[CLS]</c> and <c>[SEP]</c>
    /// included. Work stops once the limit is passed, so a very long text costs no more than a long one.
    /// </summary>
    public TokenizedText Tokenize(string text, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 2);

        var pieceBudget = maxTokens - 2;
        var ids = new List<int>(Math.Min(maxTokens, (text.Length / 3) + 2)) { ClassId };
        var truncated = false;
        var word = new StringBuilder();

        foreach (var rune in text.EnumerateRunes())
        {
            var kind = Classify(rune);
            if (kind == CharacterKind.Ignored)
            {
                continue;
            }

            if (kind is CharacterKind.Whitespace or CharacterKind.Punctuation or CharacterKind.Ideograph)
            {
                if (!AppendWord(word, ids, pieceBudget))
                {
                    truncated = true;
                    break;
                }

                if (kind != CharacterKind.Whitespace)
                {
                    // Punctuation and CJK ideographs are words of one character each.
                    word.Append(rune.ToString());
                    if (!AppendWord(word, ids, pieceBudget))
                    {
                        truncated = true;
                        break;
                    }
                }

                continue;
            }

            AppendNormalized(word, rune);
        }

        if (!truncated && !AppendWord(word, ids, pieceBudget))
        {
            truncated = true;
        }

        if (ids.Count > pieceBudget + 1)
        {
            ids.RemoveRange(pieceBudget + 1, ids.Count - (pieceBudget + 1));
            truncated = true;
        }

        ids.Add(SeparatorId);
        return new TokenizedText([.. ids], truncated);
    }

    /// <summary>Splits the pending word into word pieces; false once the pieces no longer fit the budget.</summary>
    private bool AppendWord(StringBuilder word, List<int> ids, int pieceBudget)
    {
        if (word.Length == 0)
        {
            return true;
        }

        // Accents are stripped after lower-casing and before punctuation splitting in BERT; decomposing per word
        // gives the same result because combining marks never separate words.
        var normalized = StripAccents(word.ToString());
        word.Clear();
        if (normalized.Length == 0)
        {
            return true;
        }

        // Stripping an accent can leave punctuation that was hidden in a precomposed character; split again.
        var start = 0;
        for (var i = 0; i < normalized.Length;)
        {
            var rune = Rune.GetRuneAt(normalized, i);
            if (Classify(rune) == CharacterKind.Punctuation)
            {
                AppendPieces(normalized.AsSpan(start, i - start), ids);
                AppendPieces(normalized.AsSpan(i, rune.Utf16SequenceLength), ids);
                start = i + rune.Utf16SequenceLength;
            }

            i += rune.Utf16SequenceLength;
        }

        AppendPieces(normalized.AsSpan(start), ids);
        return ids.Count <= pieceBudget + 1;
    }

    private void AppendPieces(ReadOnlySpan<char> word, List<int> ids)
    {
        if (word.IsEmpty)
        {
            return;
        }

        if (CountRunes(word) > MaxCharactersPerWord)
        {
            ids.Add(UnknownId);
            return;
        }

        var firstPiece = ids.Count;
        var start = 0;
        while (start < word.Length)
        {
            var lookup = start == 0 ? _wordStarts : _continuations;
            var end = word.Length;
            var found = -1;
            while (end > start)
            {
                if (lookup.TryGetValue(word[start..end], out var id))
                {
                    found = id;
                    break;
                }

                end--;
                if (end > start && char.IsLowSurrogate(word[end]))
                {
                    end--; // never split a surrogate pair
                }
            }

            if (found < 0)
            {
                // BERT: a word that cannot be covered by pieces becomes a single [UNK].
                ids.RemoveRange(firstPiece, ids.Count - firstPiece);
                ids.Add(UnknownId);
                return;
            }

            ids.Add(found);
            start = end;
        }
    }

    private static void AppendNormalized(StringBuilder word, Rune rune)
    {
        Span<char> buffer = stackalloc char[2];
        var lower = Rune.ToLowerInvariant(rune);
        var written = lower.EncodeToUtf16(buffer);
        word.Append(buffer[..written]);
    }

    private static string StripAccents(string word)
    {
        if (Ascii.IsValid(word))
        {
            return word;
        }

        var result = new StringBuilder(word.Length);
        foreach (var rune in word.EnumerateRunes())
        {
            AccentStripping.AppendStripped(result, rune);
        }

        return result.ToString();
    }

    private static int CountRunes(ReadOnlySpan<char> text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    private enum CharacterKind
    {
        Word,
        Whitespace,
        Punctuation,
        Ideograph,
        Ignored,
    }

    private static CharacterKind Classify(Rune rune)
    {
        var value = rune.Value;
        if (value is ' ' or '\t' or '\n' or '\r')
        {
            return CharacterKind.Whitespace;
        }

        if (value is 0 or 0xFFFD)
        {
            return CharacterKind.Ignored;
        }

        var category = Rune.GetUnicodeCategory(rune);
        if (category == UnicodeCategory.SpaceSeparator)
        {
            return CharacterKind.Whitespace;
        }

        if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned)
        {
            return CharacterKind.Ignored;
        }

        // BERT counts every non-alphanumeric ASCII character as punctuation (e.g. '$', '^', '`'), not only Unicode's P*.
        if (value is (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126))
        {
            return CharacterKind.Punctuation;
        }

        if (category is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation
            or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
            or UnicodeCategory.OtherPunctuation)
        {
            return CharacterKind.Punctuation;
        }

        return IsCjkIdeograph(value) ? CharacterKind.Ideograph : CharacterKind.Word;
    }

    // The CJK Unified Ideographs blocks BERT's basic tokenizer splits on (not Hiragana, Katakana or Hangul).
    private static bool IsCjkIdeograph(int value) =>
        value is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF)
            or (>= 0x2A700 and <= 0x2B73F) or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF)
            or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);

    private static int SpecialTokenId(Dictionary<string, int> vocabulary, string token) =>
        vocabulary.TryGetValue(token, out var id)
            ? id
            : throw new InvalidDataException($"The vocabulary has no {token} token; it is not a BERT WordPiece vocabulary.");
}
