namespace ReferenceArchitectures.Pipeline;

/// <summary>
/// One uploaded object version: the unit the pipeline processes exactly once. Every derived name (the ledger key,
/// the result and embeddings keys) comes from here, so the Lambda functions and the batch worker agree on them.
/// </summary>
public sealed record DocumentReference(string Bucket, string Key, string? VersionId)
{
    /// <summary>The version id S3 reports for objects written before versioning was enabled.</summary>
    public const string UnversionedId = "null";

    public string Version => string.IsNullOrEmpty(VersionId) ? UnversionedId : VersionId;

    /// <summary>Partition key of the ledger item: bucket, key and version, so a new version is a new document.</summary>
    public string LedgerKey => $"{Bucket}#{Key}#{Version}";

    /// <summary>Where the analysis JSON goes in the output bucket.</summary>
    public string ResultKey => $"results/{Key}/{Version}.json";

    /// <summary>Where the heavy path's chunk embeddings (JSON Lines) go in the output bucket.</summary>
    public string EmbeddingsKey => $"embeddings/{Key}/{Version}.jsonl";

    public static DocumentReference Create(string? bucket, string? key, string? versionId)
    {
        if (string.IsNullOrWhiteSpace(bucket) || string.IsNullOrWhiteSpace(key))
        {
            throw new InvalidPipelineInputException("The input names no bucket and key of an uploaded object.");
        }

        return new DocumentReference(bucket, key, versionId);
    }
}

/// <summary>A step was given input that does not describe a document; a programming or wiring error, not a document fault.</summary>
public sealed class InvalidPipelineInputException(string message) : Exception(message);
