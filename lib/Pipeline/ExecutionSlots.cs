using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace ReferenceArchitectures.Pipeline;

/// <summary>Who holds the execution slots: the number taken and, per execution name, when it took its slot.</summary>
public sealed record SlotHolders(int Running, IReadOnlyDictionary<string, DateTimeOffset> Holders);

/// <summary>
/// A counting semaphore over the pipeline's running executions: one item in the ledger table, under a key no document
/// can have (ledger keys start with a bucket name, and no bucket name starts with '#'). The item holds the count and one
/// attribute per holder, named after its execution; every change is one conditional write on that item, so two
/// starters racing for the last slot cannot both take it (DynamoDB evaluates a condition and applies the update
/// atomically: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html).
/// Only top-level attributes are used: holders are attributes, not a map.
/// </summary>
public sealed class ExecutionSlots(IAmazonDynamoDB dynamoDb, string tableName, TimeProvider? timeProvider = null)
{
    /// <summary>The partition key of the semaphore's item.</summary>
    public const string ItemKey = "#execution-slots";

    /// <summary>The attribute that counts the slots taken.</summary>
    public const string RunningAttribute = "running";

    /// <summary>Each holder is an attribute with this prefix and its execution name; its value is when it took the slot (Unix seconds).</summary>
    public const string HolderPrefix = "holder:";

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>Creates the item with no holder, unless it exists.</summary>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        try
        {
            await dynamoDb.PutItemAsync(new PutItemRequest
            {
                TableName = tableName,
                Item = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = ItemKey }, [RunningAttribute] = Number(0) },
                ConditionExpression = "attribute_not_exists(pk)",
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            // It exists; its count is not touched.
        }
    }

    /// <summary>
    /// Takes a slot for <paramref name="executionName"/> while fewer than <paramref name="limit"/> are taken. True when
    /// it took one or already held one (a starter retried after a lost answer); false when all are taken.
    /// </summary>
    public async Task<bool> TryAcquireAsync(string executionName, int limit, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(executionName);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        try
        {
            await dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key,
                UpdateExpression = "SET #holder = :now, #running = #running + :one",
                ConditionExpression = "#running < :limit AND attribute_not_exists(#holder)",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#holder"] = HolderPrefix + executionName, ["#running"] = RunningAttribute },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                {
                    [":now"] = Number(_time.GetUtcNow().ToUnixTimeSeconds()),
                    [":one"] = Number(1),
                    [":limit"] = Number(limit),
                },
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            // Either all slots are taken or this execution already holds one; only the second is a success.
            var holders = await ReadAsync(cancellationToken).ConfigureAwait(false);
            return holders.Holders.ContainsKey(executionName);
        }
    }

    /// <summary>Gives back the slot of <paramref name="executionName"/>; false when it held none (released before, or never taken).</summary>
    public async Task<bool> ReleaseAsync(string executionName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(executionName);
        try
        {
            await dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key,
                UpdateExpression = "REMOVE #holder SET #running = #running - :one",
                ConditionExpression = "attribute_exists(#holder)",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#holder"] = HolderPrefix + executionName, ["#running"] = RunningAttribute },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":one"] = Number(1) },
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>The count and the holders, read consistently; no item reads as no holder.</summary>
    public async Task<SlotHolders> ReadAsync(CancellationToken cancellationToken)
    {
        var response = await dynamoDb.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key, ConsistentRead = true }, cancellationToken).ConfigureAwait(false);
        if (response.Item is not { Count: > 0 } item)
        {
            return new SlotHolders(0, new Dictionary<string, DateTimeOffset>());
        }

        var holders = item
            .Where(attribute => attribute.Key.StartsWith(HolderPrefix, StringComparison.Ordinal))
            .ToDictionary(
                attribute => attribute.Key[HolderPrefix.Length..],
                attribute => DateTimeOffset.FromUnixTimeSeconds(long.Parse(attribute.Value.N, CultureInfo.InvariantCulture)),
                StringComparer.Ordinal);
        var running = item.TryGetValue(RunningAttribute, out var count) ? int.Parse(count.N, CultureInfo.InvariantCulture) : 0;
        return new SlotHolders(running, holders);
    }

    private static Dictionary<string, AttributeValue> Key => new() { ["pk"] = new() { S = ItemKey } };

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };
}
