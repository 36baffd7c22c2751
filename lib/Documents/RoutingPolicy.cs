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
/// The defaults are placeholders until the pattern 4 benchmark measures the crossover on real hardware. They are
/// chosen so that the light path's worst case stays far inside Lambda's 15-minute limit: at most about 30,000 tokens
/// of text, which the light profile sends in a single model call (one call of a few thousand output tokens takes well
/// under a minute on Bedrock), and extraction of a 5 MiB file, which takes seconds.
/// </remarks>
public sealed record RoutingPolicy
{
    public static RoutingPolicy Default { get; } = new();

    /// <summary>Largest object, in bytes, the light path takes. Default 5 MiB.</summary>
    public long MaxLightBytes { get; init; } = 5 * 1024 * 1024;

    /// <summary>Most PDF pages the light path takes. Default 40 (about 120,000 characters of dense prose).</summary>
    public int MaxLightPdfPages { get; init; } = 40;

    /// <summary>Most (estimated) characters of text the light path takes. Default 120,000, about 30,000 tokens.</summary>
    public long MaxLightCharacters { get; init; } = 120_000;

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
