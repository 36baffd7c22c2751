using System.Globalization;
using System.Text.Json.Serialization;

namespace ReferenceArchitectures.Documents;

[JsonConverter(typeof(JsonStringEnumConverter<ProcessingPath>))]
public enum ProcessingPath
{
    /// <summary>A Lambda function: extraction, a few model calls, done well inside Lambda's 15 minutes.</summary>
    [JsonStringEnumMemberName("light")]
    Light,

    /// <summary>A Fargate task: parallel chunk analysis and embeddings, no time limit.</summary>
    [JsonStringEnumMemberName("heavy")]
    Heavy,
}

/// <summary>The path a document takes, and the rule that chose it.</summary>
public sealed record RoutingDecision(ProcessingPath Path, string Reason);

/// <summary>
/// Chooses the light or the heavy path. A document goes heavy when any one measure is above its limit. The state
/// machine's Choice state must apply the same three comparisons to the inspection's <c>sizeBytes</c>, <c>pages</c>
/// and <c>estimatedCharacters</c>, with these values, so that the library and the pipeline agree.
/// </summary>
/// <remarks>
/// The defaults are the deployed stack's (HybridPipelineStackProps; a test keeps the two equal) and come from the
/// pattern 4 benchmark (tests/Benchmarks/Pipeline): the light path stays within a third of its 300-second analyze
/// timeout up to about 5 MiB of text or several hundred PDF pages with a modelled 2 s per model call, and was faster
/// than the heavy path (which pays a Fargate start) at every size measured. 1 MiB, 100 pages and a million characters
/// keep a margin of more than two for a model twice as slow, and leave the heavy path the documents for which
/// embeddings are worth their cost.
/// </remarks>
public sealed record RoutingPolicy
{
    public static RoutingPolicy Default { get; } = new();

    /// <summary>Largest object, in bytes, the light path takes. Default 1 MiB.</summary>
    public long MaxLightBytes { get; init; } = 1024 * 1024;

    /// <summary>Most PDF pages the light path takes. Default 100 (about 300,000 characters of dense prose).</summary>
    public int MaxLightPdfPages { get; init; } = 100;

    /// <summary>Most (estimated) characters of text the light path takes. Default 1,000,000, about 250,000 tokens.</summary>
    public long MaxLightCharacters { get; init; } = 1_000_000;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first limit that is not positive.</summary>
    public RoutingPolicy Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxLightBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxLightPdfPages);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxLightCharacters);
        return this;
    }

    public RoutingDecision Route(DocumentInspection inspection)
    {
        ArgumentNullException.ThrowIfNull(inspection);
        if (!inspection.Accepted)
        {
            throw new ArgumentException("A rejected document has no processing path.", nameof(inspection));
        }

        if (inspection.SizeBytes > MaxLightBytes)
        {
            return Heavy($"{inspection.SizeBytes} bytes is over the light path's {MaxLightBytes}");
        }

        if (inspection.Pages is { } pages && pages > MaxLightPdfPages)
        {
            return Heavy($"{pages} PDF pages is over the light path's {MaxLightPdfPages}");
        }

        if (inspection.EstimatedCharacters > MaxLightCharacters)
        {
            return Heavy($"about {inspection.EstimatedCharacters} characters is over the light path's {MaxLightCharacters}");
        }

        return new RoutingDecision(ProcessingPath.Light, string.Create(CultureInfo.InvariantCulture,
            $"within the light path's limits ({MaxLightBytes} bytes, {MaxLightPdfPages} PDF pages, {MaxLightCharacters} characters)"));

        static RoutingDecision Heavy(string reason) => new(ProcessingPath.Heavy, reason);
    }
}
