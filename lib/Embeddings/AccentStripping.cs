using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace ReferenceArchitectures.Embeddings;

/// <summary>
/// BERT's accent stripping (NFD, then drop nonspacing marks) from a table generated out of the Unicode database,
/// because <see cref="string.Normalize(NormalizationForm)"/> needs ICU and does nothing in a globalization-invariant
/// process, which this repository builds everywhere.
/// </summary>
internal static partial class AccentStripping
{
    private const int HangulFirst = 0xAC00, HangulLast = 0xD7A3;
    private const int LeadingBase = 0x1100, VowelBase = 0x1161, TrailingBase = 0x11A7;
    private const int VowelCount = 21, TrailingCount = 28;

    private static readonly FrozenDictionary<int, string> Decompositions = BuildTable();

    /// <summary>Appends <paramref name="rune"/> decomposed and without nonspacing marks.</summary>
    public static void AppendStripped(StringBuilder target, Rune rune)
    {
        var value = rune.Value;
        if (value < 0xC0)
        {
            target.Append((char)value); // nothing in Latin-1 below À decomposes or is a nonspacing mark
            return;
        }

        if (value is >= HangulFirst and <= HangulLast)
        {
            // Unicode 15.0 §3.12, Hangul syllable decomposition.
            var index = value - HangulFirst;
            target.Append((char)(LeadingBase + (index / (VowelCount * TrailingCount))));
            target.Append((char)(VowelBase + (index % (VowelCount * TrailingCount) / TrailingCount)));
            if (index % TrailingCount != 0)
            {
                target.Append((char)(TrailingBase + (index % TrailingCount)));
            }

            return;
        }

        if (Decompositions.TryGetValue(value, out var stripped))
        {
            target.Append(stripped);
        }
        else if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark)
        {
            target.Append(rune.ToString());
        }
    }

    private static FrozenDictionary<int, string> BuildTable()
    {
        var codePoints = DecomposingCodePoints;
        var table = new Dictionary<int, string>(codePoints.Length);
        var start = 0;
        foreach (var codePoint in codePoints)
        {
            var end = StrippedDecompositions.IndexOf('\0', start);
            table[codePoint] = StrippedDecompositions[start..end];
            start = end + 1;
        }

        return table.ToFrozenDictionary();
    }
}
