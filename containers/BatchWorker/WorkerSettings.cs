using System.Globalization;

namespace ReferenceArchitectures.BatchWorker;

/// <summary>
/// The task's configuration: the document comes from the state machine's container overrides, the rest from the
/// task definition. A missing or bad value stops the task with a message that names it.
/// </summary>
public sealed record WorkerSettings
{
    public required string Region { get; init; }
    public required string DocumentBucket { get; init; }
    public required string DocumentKey { get; init; }
    public string? DocumentVersionId { get; init; }
    public required string OutputBucket { get; init; }
    public required string ModelId { get; init; }
    public required IReadOnlyList<string> Categories { get; init; }

    /// <summary>Bedrock calls in flight at once for one document's chunks.</summary>
    public int MaxParallelCalls { get; init; } = 4;

    public Uri? BedrockEndpoint { get; init; }

    public static WorkerSettings FromEnvironment(Func<string, string?> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var parallel = 4;
        if (Optional(read, "MAX_PARALLEL_CALLS") is { } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out parallel) || parallel is < 1 or > 64))
        {
            throw new InvalidOperationException($"MAX_PARALLEL_CALLS must be a whole number from 1 to 64, not '{text}'.");
        }

        Uri? bedrock = null;
        if (Optional(read, "AWS_ENDPOINT_URL_BEDROCK_RUNTIME") is { } url && !Uri.TryCreate(url, UriKind.Absolute, out bedrock))
        {
            throw new InvalidOperationException($"AWS_ENDPOINT_URL_BEDROCK_RUNTIME must be an absolute URL, not '{url}'.");
        }

        var categories = Required(read, "DOCUMENT_CATEGORIES").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new WorkerSettings
        {
            Region = Optional(read, "AWS_REGION") ?? Required(read, "AWS_DEFAULT_REGION"),
            DocumentBucket = Required(read, "DOCUMENT_BUCKET"),
            DocumentKey = Required(read, "DOCUMENT_KEY"),
            DocumentVersionId = Optional(read, "DOCUMENT_VERSION_ID"),
            OutputBucket = Required(read, "OUTPUT_BUCKET"),
            ModelId = Required(read, "BEDROCK_MODEL_ID"),
            Categories = categories.Length >= 2
                ? categories
                : throw new InvalidOperationException("DOCUMENT_CATEGORIES must list at least two categories, separated by commas."),
            MaxParallelCalls = parallel,
            BedrockEndpoint = bedrock,
        };
    }

    private static string? Optional(Func<string, string?> read, string name) =>
        read(name) is { Length: > 0 } value ? value.Trim() : null;

    private static string Required(Func<string, string?> read, string name) =>
        Optional(read, name) ?? throw new InvalidOperationException($"The environment variable {name} is required.");
}
