namespace ReferenceArchitectures.Documents;

/// <summary>What the analyzer asks the model for, and how hard it may drive it.</summary>
public sealed record DocumentAnalyzerOptions
{
    /// <summary>The entity types asked for when none are configured.</summary>
    public static IReadOnlyList<string> DefaultEntityTypes { get; } =
        ["person", "organization", "location", "date", "money", "product", "event", "other"];

    /// <summary>The categories a document is classified into; the model must answer with one of them.</summary>
    public required IReadOnlyList<string> Categories { get; init; }

    public IReadOnlyList<string> EntityTypes { get; init; } = DefaultEntityTypes;

    /// <summary>Most model calls in flight at once for one document's chunks. Keep it within the account's Bedrock quota.</summary>
    public int MaxConcurrency { get; init; } = 4;

    /// <summary>The model to ask; null leaves the choice to the chat client's default.</summary>
    public string? ModelId { get; init; }

    /// <summary>Output limit of each call: room for a summary and a few dozen entities.</summary>
    public int MaxOutputTokens { get; init; } = 2048;

    /// <summary>0 by default: classification should not vary between runs.</summary>
    public float? Temperature { get; init; } = 0f;

    /// <summary>The summary length the model is asked for, in sentences.</summary>
    public int SummarySentences { get; init; } = 5;

    /// <summary>
    /// Most characters of chunk summaries sent in one summary call (default 60,000, about 15,000 tokens); longer
    /// documents are summarised in rounds.
    /// </summary>
    public int MaxSummaryInputCharacters { get; init; } = 60_000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is wrong.</summary>
    public DocumentAnalyzerOptions Validate()
    {
        ValidateNames(Categories, nameof(Categories));
        ValidateNames(EntityTypes, nameof(EntityTypes));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxConcurrency);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxOutputTokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SummarySentences);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxSummaryInputCharacters);
        if (Temperature is < 0f or > 1f)
        {
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be between 0 and 1.");
        }

        return this;
    }

    private static void ValidateNames(IReadOnlyList<string>? names, string setting)
    {
        if (names is null || names.Count == 0)
        {
            throw new ArgumentException($"{setting} must list at least one name.", setting);
        }

        if (names.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"{setting} must not contain an empty name.", setting);
        }

        var duplicate = names.GroupBy(n => n.Trim(), StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"{setting} lists \"{duplicate.Key}\" more than once (names are compared ignoring case).", setting);
        }
    }
}
