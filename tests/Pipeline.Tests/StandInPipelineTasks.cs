using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using ReferenceArchitectures.Testing.LocalAws;
using States = ReferenceArchitectures.Cdk.HybridPipeline.HybridPipelineStack.StateNames;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>
/// Small stand-ins for the pipeline's handlers that honour the stack's contract (inputs, outputs, S3 keys, the
/// DynamoDB record and its conditional writes, the dead letter) against <see cref="LocalAwsServer"/> through the
/// real SDK clients. They prove the harness; the real handlers replace them one <see cref="PipelineTaskHost.Map"/> at a time.
/// </summary>
public sealed class StandInPipelineTasks : IDisposable
{
    // The template's own resources, created locally under the names its references resolve to.
    public static readonly string InputBucket = PipelineTemplate.Default.InputBucket;
    public static readonly string OutputBucket = PipelineTemplate.Default.OutputBucket;
    public static readonly string Table = PipelineTemplate.Default.Table;
    public static readonly string DeadLetterQueue = PipelineTemplate.Default.DeadLetterQueue;

    /// <summary>Types the stand-in preprocess accepts, by extension.</summary>
    private static readonly string[] KnownTypes = ["txt", "md", "html", "pdf", "docx"];

    private readonly AmazonS3Client _s3;
    private readonly AmazonDynamoDBClient _dynamo;
    private readonly AmazonSQSClient _sqs;
    private readonly AmazonSQSClient _stateMachineSqs;
    private readonly string _deadLetterQueueUrl;

    public StandInPipelineTasks(LocalAwsServer aws)
    {
        ArgumentNullException.ThrowIfNull(aws);
        aws.S3.CreateBucket(InputBucket, versioned: true);
        aws.S3.CreateBucket(OutputBucket);
        aws.DynamoDb.CreateTable(Table, "pk");
        _deadLetterQueueUrl = aws.Sqs.CreateQueue(DeadLetterQueue);
        _s3 = LocalAwsClients.S3(aws);
        _dynamo = LocalAwsClients.DynamoDb(aws);
        _sqs = LocalAwsClients.Sqs(aws);
        // SendToDeadLetterQueue is a service integration: Step Functions sends the message with the state machine's role.
        _stateMachineSqs = LocalAwsClients.Sqs(aws, RoleCredentials.For(PipelineTemplate.Default.StateMachineRole));
    }

    /// <summary>Binds every Task state of the pipeline to its stand-in.</summary>
    public void MapAll(PipelineTaskHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        host.Map(States.Preprocess, PreprocessAsync)
            .Map(States.Analyze, AnalyzeAsync)
            .Map(States.AnalyzeLargeDocument, AnalyzeLargeDocumentAsync)
            .Map(States.Store, StoreAsync)
            .Map(States.RecordFailure, RecordFailureAsync)
            .Map(States.SendToDeadLetterQueue, SendToDeadLetterQueueAsync);
    }

    public static string DocumentId(string bucket, string key, string versionId) => $"{bucket}#{key}#{versionId}";

    public static string ResultKey(string key, string versionId) => $"results/{key}/{versionId}.json";

    public static string EmbeddingsKey(string key, string versionId) => $"embeddings/{key}/{versionId}.jsonl";

    public async Task<JsonNode?> PreprocessAsync(JsonNode? input, CancellationToken cancellationToken)
    {
        var (bucket, key, versionId) = (Text(input, "bucket"), Text(input, "key"), Text(input, "versionId"));
        var head = await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key, VersionId = versionId }, cancellationToken);
        var type = Path.GetExtension(key).TrimStart('.').ToLowerInvariant();
        var accepted = KnownTypes.Contains(type);
        // The real preprocess counts PDF pages and characters; the stand-in takes them from user metadata set by the test.
        int? pages = head.Metadata["pages"] is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;
        var document = new JsonObject
        {
            ["bucket"] = bucket, ["key"] = key, ["versionId"] = versionId, ["type"] = type,
            ["bytes"] = head.ContentLength, ["pages"] = pages,
            ["characters"] = head.Metadata["characters"] is { Length: > 0 } characters ? long.Parse(characters, CultureInfo.InvariantCulture) : head.ContentLength,
            ["status"] = accepted ? "accepted" : "rejected",
            ["reason"] = accepted ? null : $"'{type}' is not a supported document type",
        };
        try
        {
            await _dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = Table,
                Item = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = DocumentId(bucket, key, versionId) }, ["status"] = new() { S = "PROCESSING" } },
                ConditionExpression = "attribute_not_exists(pk)",
            }, cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            document["status"] = "duplicate";
        }

        return document;
    }

    public async Task<JsonNode?> AnalyzeAsync(JsonNode? document, CancellationToken cancellationToken)
    {
        await WriteResultAsync(document, "light", cancellationToken);
        return new JsonObject { ["category"] = "report", ["chunks"] = 1 };
    }

    public async Task<JsonNode?> AnalyzeLargeDocumentAsync(JsonNode? environment, CancellationToken cancellationToken)
    {
        var document = new JsonObject
        {
            ["bucket"] = Text(environment, "DOCUMENT_BUCKET"), ["key"] = Text(environment, "DOCUMENT_KEY"), ["versionId"] = Text(environment, "DOCUMENT_VERSION_ID"),
        };
        await WriteResultAsync(document, "heavy", cancellationToken);
        await _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = OutputBucket,
            Key = EmbeddingsKey(Text(document, "key"), Text(document, "versionId")),
            ContentBody = "{\"chunk\":0,\"embedding\":[0.1,0.2]}\n",
        }, cancellationToken);
        return null;
    }

    public async Task<JsonNode?> StoreAsync(JsonNode? state, CancellationToken cancellationToken)
    {
        var document = state?["document"] ?? throw new InvalidOperationException("Store needs $.document.");
        var (bucket, key, versionId) = (Text(document, "bucket"), Text(document, "key"), Text(document, "versionId"));
        var status = Text(document, "status") == "rejected" ? "REJECTED" : "COMPLETED";
        var category = "none";
        if (status == "COMPLETED")
        {
            using var result = await _s3.GetObjectAsync(OutputBucket, ResultKey(key, versionId), cancellationToken);
            using var reader = new StreamReader(result.ResponseStream);
            category = (string?)JsonNode.Parse(await reader.ReadToEndAsync(cancellationToken))?["category"] ?? "none";
        }

        await _dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = DocumentId(bucket, key, versionId) } },
            UpdateExpression = "SET #s = :status, category = :category",
            ConditionExpression = "#s = :processing",
            ExpressionAttributeNames = new Dictionary<string, string> { ["#s"] = "status" },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue>
            {
                [":status"] = new() { S = status }, [":category"] = new() { S = category }, [":processing"] = new() { S = "PROCESSING" },
            },
        }, cancellationToken);
        return new JsonObject { ["status"] = status };
    }

    public async Task<JsonNode?> RecordFailureAsync(JsonNode? failure, CancellationToken cancellationToken)
    {
        var detail = failure?["input"]?["detail"];
        if (detail is not null)
        {
            var id = DocumentId(Text(detail["bucket"], "name"), Text(detail["object"], "key"), Text(detail["object"], "version-id"));
            await _dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = Table,
                Key = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = id } },
                UpdateExpression = "SET #s = :failed, failureCause = :cause",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#s"] = "status" },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                {
                    [":failed"] = new() { S = "FAILED" }, [":cause"] = new() { S = failure?["failure"]?.ToJsonString() ?? "unknown" },
                },
            }, cancellationToken);
        }

        await _sqs.SendMessageAsync(_deadLetterQueueUrl, failure?.ToJsonString() ?? "{}", cancellationToken);
        return new JsonObject { ["status"] = "FAILED" };
    }

    public async Task<JsonNode?> SendToDeadLetterQueueAsync(JsonNode? parameters, CancellationToken cancellationToken)
    {
        // The definition names the deployed queue; locally every dead letter goes to the one local queue.
        var sent = await _stateMachineSqs.SendMessageAsync(_deadLetterQueueUrl, Text(parameters, "MessageBody"), cancellationToken);
        return new JsonObject { ["MessageId"] = sent.MessageId, ["MD5OfMessageBody"] = sent.MD5OfMessageBody };
    }

    public void Dispose()
    {
        _s3.Dispose();
        _dynamo.Dispose();
        _sqs.Dispose();
        _stateMachineSqs.Dispose();
    }

    private async Task WriteResultAsync(JsonNode? document, string path, CancellationToken cancellationToken)
    {
        var (key, versionId) = (Text(document, "key"), Text(document, "versionId"));
        var result = new JsonObject { ["key"] = key, ["versionId"] = versionId, ["category"] = "report", ["path"] = path };
        await _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = OutputBucket,
            Key = ResultKey(key, versionId),
            ContentBody = result.ToJsonString(),
            ContentType = "application/json",
        }, cancellationToken);
    }

    private static string Text(JsonNode? node, string name) =>
        (string?)node?[name] ?? throw new InvalidOperationException($"The task input has no '{name}': {node?.ToJsonString()}");
}

/// <summary>Wraps a task so that it fails in chosen ways before (or instead of) running.</summary>
public static class Faults
{
    /// <summary>Fails the first <paramref name="times"/> calls with <paramref name="error"/>, then runs <paramref name="task"/>.</summary>
    public static PipelineTask FailFirst(int times, string error, PipelineTask task)
    {
        var remaining = times;
        return (input, cancellationToken) => Interlocked.Decrement(ref remaining) >= 0
            ? throw new TaskFailedException(error, $"Injected {error}.")
            : task(input, cancellationToken);
    }

    /// <summary>Throws an unhandled exception, as a bug in the handler would.</summary>
    public static PipelineTask Crash(string message) =>
        (_, _) => throw new InvalidOperationException(message);

    /// <summary>Never answers until cancelled, as a hung call would; the state's TimeoutSeconds ends it.</summary>
    public static PipelineTask Hang() =>
        async (_, cancellationToken) =>
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return null;
        };
}

/// <summary>EventBridge "Object Created" events as S3 sends them for a bucket with EventBridge notifications on.</summary>
public static class ObjectCreatedEvent
{
    /// <summary>
    /// The event for one stored object version, in the documented shape
    /// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html).
    /// </summary>
    public static JsonObject For(LocalS3Object stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return new JsonObject
        {
            ["version"] = "0",
            ["id"] = Guid.NewGuid().ToString(),
            ["detail-type"] = "Object Created",
            ["source"] = "aws.s3",
            ["account"] = PipelineDefinition.AccountId,
            ["time"] = stored.LastModified.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["region"] = PipelineDefinition.Region,
            ["resources"] = new JsonArray($"arn:aws:s3:::{stored.Bucket}"),
            ["detail"] = new JsonObject
            {
                ["version"] = "0",
                ["bucket"] = new JsonObject { ["name"] = stored.Bucket },
                ["object"] = new JsonObject
                {
                    ["key"] = stored.Key,
                    ["size"] = stored.Content.Length,
                    ["etag"] = stored.ETag.Trim('"'),
                    ["version-id"] = stored.VersionId,
                    ["sequencer"] = Convert.ToHexString(Encoding.ASCII.GetBytes(stored.VersionId ?? "0"))[..16],
                },
                ["request-id"] = Guid.NewGuid().ToString("N")[..16].ToUpperInvariant(),
                ["requester"] = PipelineDefinition.AccountId,
                ["reason"] = "PutObject",
            },
        };
    }
}
