using System.Text.Json;
using System.Text.Json.Serialization;
using ReferenceArchitectures.Documents;

namespace ReferenceArchitectures.Pipeline;

/// <summary>
/// The Preprocess step's input, picked from the S3 "Object Created" event by the state machine, with the id of the
/// execution (<c>$$.Execution.Id</c>) that the ledger's claim records.
/// </summary>
public sealed record PreprocessRequest(string? Bucket, string? Key, string? VersionId, long? Size, string? ExecutionId = null);

/// <summary>What the document is and which way it goes; the state machine keeps it at <c>$.document</c>.</summary>
/// <param name="VersionId">Always written, never left out: the worker's task reads <c>$.document.versionId</c>, and a
/// path that is missing is States.Runtime, which no Catch sees. Preprocess only describes versioned uploads.</param>
/// <param name="Status"><c>accepted</c>, <c>rejected</c> (with <see cref="Reason"/>) or <c>duplicate</c> (an earlier delivery claimed it).</param>
/// <param name="Pages">PDF pages; 0 for other types, so the Choice state can always compare it.</param>
/// <param name="Characters">Estimated characters of text, the third routing measure.</param>
public sealed record DocumentDescriptor(
    string Bucket,
    string Key,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string VersionId,
    string Status,
    string? Reason,
    string? Type,
    long Bytes,
    int Pages,
    long Characters)
{
    public const string Accepted = "accepted";
    public const string Rejected = "rejected";
    public const string Duplicate = "duplicate";

    [JsonIgnore]
    public DocumentReference Reference => DocumentReference.Create(Bucket, Key, VersionId);
}

/// <summary>The small part of an analysis that travels in the execution's state; the whole of it is in S3.</summary>
public sealed record AnalysisSummary(string ResultKey, string Category, int EntityCount, long InputTokens, long OutputTokens);

/// <summary>The Store step's input: the state as it stands after the analysis (light path) or the task (heavy path).</summary>
public sealed record StoreRequest(DocumentDescriptor? Document);

/// <summary>What the Store step recorded.</summary>
public sealed record StoreOutcome(string LedgerKey, string Status, string? Category);

/// <summary>
/// The RecordFailure step's input: the execution's id and input (<c>$$.Execution</c>; the input is the S3 event when
/// EventBridge started it, and may be anything when a person did), and the error Step Functions caught
/// (<c>{"Error": ..., "Cause": ...}</c> at <c>$.failure</c>). <see cref="Detail"/> is what earlier versions of the
/// definition passed; it is read when present.
/// </summary>
public sealed record FailureRequest(DocumentDescriptor? Document, JsonElement? Detail, CaughtError? Failure, string? ExecutionId = null, JsonElement? Input = null);

public sealed record CaughtError(
    [property: JsonPropertyName("Error")] string? Error,
    [property: JsonPropertyName("Cause")] string? Cause);

/// <summary>
/// The message on the dead-letter queue: enough to find the object and replay it. <see cref="ExecutionId"/> is the
/// failed execution's ARN, which the replay command de-duplicates by (the status-change event of the same execution
/// is a second dead letter for it).
/// </summary>
public sealed record DeadLetter(
    string? LedgerKey,
    string? Bucket,
    string? Key,
    string? VersionId,
    string Error,
    string? Cause,
    JsonElement Input,
    DateTimeOffset FailedAt,
    string? ExecutionId = null);

/// <summary>What one run of the execution gate did.</summary>
public sealed record GateReport(int Started, int AlreadyRan, int LeftInQueue, int FreeSlots, int Reclaimed);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PreprocessRequest))]
[JsonSerializable(typeof(DocumentDescriptor))]
[JsonSerializable(typeof(AnalysisSummary))]
[JsonSerializable(typeof(StoreRequest))]
[JsonSerializable(typeof(StoreOutcome))]
[JsonSerializable(typeof(FailureRequest))]
[JsonSerializable(typeof(DeadLetter))]
[JsonSerializable(typeof(GateReport))]
[JsonSerializable(typeof(DocumentAnalysis))]
public sealed partial class PipelineJsonContext : JsonSerializerContext;
