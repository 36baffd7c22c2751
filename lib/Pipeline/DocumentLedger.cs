using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ReferenceArchitectures.Documents;

namespace ReferenceArchitectures.Pipeline;

/// <summary>The ledger says a document's state disagrees with the step that wants to record it.</summary>
public sealed class LedgerConflictException(string message) : Exception(message);

/// <summary>A ledger item as stored: one per object version.</summary>
public sealed record LedgerRecord(string LedgerKey, string Status, string? Category, string? Reason, string? Error, long InputTokens, long OutputTokens, string? ExecutionId = null);

/// <summary>
/// The DynamoDB table that makes the pipeline idempotent: Preprocess claims an object version with a conditional
/// put, so a second delivery of the same upload finds the claim and does no second processing; every later write
/// is conditional on the state it expects, and a completed result is never overwritten.
/// </summary>
public sealed class DocumentLedger(IAmazonDynamoDB dynamoDb, string tableName, TimeProvider? timeProvider = null)
{
    public const string Processing = "PROCESSING";
    public const string Completed = "COMPLETED";
    public const string RejectedStatus = "REJECTED";
    public const string Failed = "FAILED";

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>
    /// Claims the document for the execution <paramref name="executionId"/>; false when another execution holds it or it
    /// has a result. The claim is re-entrant and recoverable, and every change is one conditional write, so two executions
    /// never both process one version:
    /// <list type="bullet">
    /// <item>the same execution may take its own claim again (a Lambda retry after a lost response, which Step Functions
    /// makes for <c>Lambda.ServiceException</c> and the like);</item>
    /// <item>a new execution may take a FAILED document (a replay), or one still PROCESSING whose claim has expired: the
    /// claim expires when its execution must have ended, <paramref name="executionTimeout"/> (the state machine's
    /// <c>TimeoutSeconds</c>) after the claim, since Step Functions stops an execution at that limit.</item>
    /// </list>
    /// A COMPLETED or REJECTED document is never claimed again.
    /// </summary>
    public async Task<bool> TryClaimAsync(DocumentReference document, string executionId, TimeSpan executionTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentException.ThrowIfNullOrWhiteSpace(executionId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(executionTimeout, TimeSpan.Zero);
        var now = _time.GetUtcNow();
        try
        {
            await dynamoDb.PutItemAsync(new PutItemRequest
            {
                TableName = tableName,
                Item = new Dictionary<string, AttributeValue>
                {
                    ["pk"] = new() { S = document.LedgerKey },
                    ["status"] = new() { S = Processing },
                    ["bucket"] = new() { S = document.Bucket },
                    ["objectKey"] = new() { S = document.Key },
                    ["versionId"] = new() { S = document.Version },
                    ["executionId"] = new() { S = executionId },
                    ["claimedAt"] = new() { S = Now() },
                    ["claimExpiresAt"] = Number(now.Add(executionTimeout).ToUnixTimeSeconds()),
                },
                ConditionExpression = "attribute_not_exists(pk) OR #status = :failed "
                    + "OR (#status = :processing AND (executionId = :execution OR claimExpiresAt < :now))",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#status"] = "status" },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                {
                    [":execution"] = new() { S = executionId },
                    [":failed"] = new() { S = Failed },
                    [":processing"] = new() { S = Processing },
                    [":now"] = Number(now.ToUnixTimeSeconds()),
                },
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public Task CompleteAsync(DocumentReference document, DocumentAnalysis analysis, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(analysis);
        var entities = analysis.Entities
            .Select(e => new AttributeValue { M = new Dictionary<string, AttributeValue> { ["name"] = new() { S = e.Name }, ["type"] = new() { S = e.Type } } })
            .ToList();
        return FinishAsync(document, Completed, new Dictionary<string, AttributeValue>
        {
            ["category"] = new() { S = analysis.Category },
            ["entities"] = entities.Count == 0 ? new AttributeValue { NULL = true } : new AttributeValue { L = entities },
            ["summary"] = new() { S = analysis.Summary },
            ["documentType"] = new() { S = analysis.DocumentType.ToString().ToLowerInvariant() },
            ["inputTokens"] = Number(analysis.Usage.InputTokens),
            ["outputTokens"] = Number(analysis.Usage.OutputTokens),
            ["modelCalls"] = Number(analysis.Usage.ModelCalls),
            ["model"] = new() { S = analysis.Model },
            ["resultKey"] = new() { S = document.ResultKey },
        }, cancellationToken);
    }

    public Task RejectAsync(DocumentReference document, string reason, CancellationToken cancellationToken) =>
        FinishAsync(document, RejectedStatus, new Dictionary<string, AttributeValue> { ["reason"] = new() { S = reason } }, cancellationToken);

    /// <summary>
    /// Records a failure; creates the item when the failure came before the claim, never touches a result (COMPLETED or
    /// REJECTED: a step whose response was lost after it wrote one). Returns null when the failure was recorded, or the
    /// result's status when there is one.
    /// </summary>
    public async Task<string?> RecordFailureAsync(DocumentReference document, string error, string? cause, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        try
        {
            await dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = document.LedgerKey } },
                UpdateExpression = "SET #status = :failed, #error = :error, #cause = :cause, failedAt = :now",
                ConditionExpression = "attribute_not_exists(pk) OR (#status <> :completed AND #status <> :rejected)",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#status"] = "status", ["#error"] = "error", ["#cause"] = "cause" },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                {
                    [":failed"] = new() { S = Failed },
                    [":completed"] = new() { S = Completed },
                    [":rejected"] = new() { S = RejectedStatus },
                    [":error"] = new() { S = error },
                    [":cause"] = new() { S = Truncate(cause ?? "", 4_000) },
                    [":now"] = new() { S = Now() },
                },
            }, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (ConditionalCheckFailedException)
        {
            // The document has its result from an earlier attempt; a late failure report changes nothing.
            return (await GetAsync(document, cancellationToken).ConfigureAwait(false))?.Status;
        }
    }

    /// <summary>
    /// Marks a document FAILED when it is still claimed by <paramref name="deadExecutionId"/>, an execution that has ended
    /// without recording anything (it timed out, was stopped, failed past every Catch, or its RecordFailure could not run),
    /// so that a replay can claim it at once instead of waiting for the claim to expire. One conditional write: a claim
    /// that another execution has taken since, or a result, is left alone. True when the document is FAILED afterwards.
    /// </summary>
    public async Task<bool> ReleaseAsync(DocumentReference document, string deadExecutionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentException.ThrowIfNullOrWhiteSpace(deadExecutionId);
        try
        {
            await dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = document.LedgerKey } },
                UpdateExpression = "SET #status = :failed, #error = :error, failedAt = :now",
                ConditionExpression = "#status = :processing AND executionId = :execution",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#status"] = "status", ["#error"] = "error" },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                {
                    [":failed"] = new() { S = Failed },
                    [":processing"] = new() { S = Processing },
                    [":execution"] = new() { S = deadExecutionId },
                    [":error"] = new() { S = "ExecutionEndedUnrecorded" },
                    [":now"] = new() { S = Now() },
                },
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return (await GetAsync(document, cancellationToken).ConfigureAwait(false))?.Status == Failed;
        }
    }

    public async Task<LedgerRecord?> GetAsync(DocumentReference document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var response = await dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = document.LedgerKey } },
            ConsistentRead = true,
        }, cancellationToken).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? ToRecord(item) : null;
    }

    public static LedgerRecord ToRecord(IReadOnlyDictionary<string, AttributeValue> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        string? Text(string name) => item.TryGetValue(name, out var value) ? value.S : null;
        long Count(string name) => item.TryGetValue(name, out var value) && value.N is { } n ? long.Parse(n, CultureInfo.InvariantCulture) : 0;
        return new LedgerRecord(Text("pk")!, Text("status") ?? "", Text("category"), Text("reason"), Text("error"), Count("inputTokens"), Count("outputTokens"), Text("executionId"));
    }

    // Completion is conditional on the claim: a Store step that runs twice (a retry after a lost response) finds
    // its own earlier write and succeeds without writing again; any other state is a conflict worth failing on.
    private async Task FinishAsync(DocumentReference document, string status, Dictionary<string, AttributeValue> fields, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var names = new Dictionary<string, string> { ["#status"] = "status" };
        var values = new Dictionary<string, AttributeValue>
        {
            [":status"] = new() { S = status },
            [":processing"] = new() { S = Processing },
            [":now"] = new() { S = Now() },
        };
        var assignments = new List<string> { "#status = :status", "finishedAt = :now" };
        foreach (var (name, value) in fields)
        {
            names["#" + name] = name;
            values[":" + name] = value;
            assignments.Add($"#{name} = :{name}");
        }

        try
        {
            await dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = document.LedgerKey } },
                UpdateExpression = "SET " + string.Join(", ", assignments),
                ConditionExpression = "#status = :processing",
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            var current = await GetAsync(document, cancellationToken).ConfigureAwait(false);
            if (current?.Status != status)
            {
                throw new LedgerConflictException(
                    $"Cannot record {document.LedgerKey} as {status}: the ledger holds {current?.Status ?? "nothing"}, not {Processing}.");
            }
        }
    }

    private string Now() => _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
