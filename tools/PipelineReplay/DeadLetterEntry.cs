using System.Text.Json.Nodes;

namespace ReferenceArchitectures.Tools.PipelineReplay;

/// <summary>Where a dead letter came from; each source writes a different body.</summary>
public enum DeadLetterSource
{
    /// <summary>The record-failure function's <c>DeadLetter</c>: the error, the document and the step's input.</summary>
    RecordFailure,

    /// <summary>The state machine's own SendMessage when RecordFailure could not run.</summary>
    SendToDeadLetterQueue,

    /// <summary>EventBridge's "Step Functions Execution Status Change" for a failed, timed-out or aborted execution.</summary>
    ExecutionStatusChange,

    /// <summary>The upload event itself, which EventBridge could not deliver to the state machine (the rule target's DLQ).</summary>
    UndeliveredUpload,
}

/// <summary>
/// One message of the dead-letter queue, read for what a replay needs: the execution it reports (the key the letters of one
/// execution share) and the execution's input, the S3 "Object Created" event.
/// </summary>
public sealed record DeadLetterEntry(string MessageId, string ReceiptHandle, DeadLetterSource Source, string? ExecutionArn, JsonObject? UploadEvent, string? Error)
{
    /// <summary>The letters of one execution are one dead document: the execution ARN, or the message itself when there is none.</summary>
    public string GroupKey => ExecutionArn ?? "message:" + MessageId;

    /// <summary>Reads one message body; null when it is not a dead letter of this pipeline.</summary>
    public static DeadLetterEntry? Parse(string messageId, string receiptHandle, string body)
    {
        if (Json.TryParse(body) is not JsonObject message)
        {
            return null;
        }

        if ((string?)message["detail-type"] == "Step Functions Execution Status Change" && message["detail"] is JsonObject detail)
        {
            return new DeadLetterEntry(messageId, receiptHandle, DeadLetterSource.ExecutionStatusChange,
                (string?)detail["executionArn"], Json.TryParse((string?)detail["input"]) as JsonObject, (string?)detail["status"]);
        }

        if ((string?)message["source"] == "aws.s3" && message["detail"] is JsonObject)
        {
            return new DeadLetterEntry(messageId, receiptHandle, DeadLetterSource.UndeliveredUpload, null, message, "NotStarted");
        }

        // The record-failure function's letter: its input ("input") is the step's payload, which holds the execution's id
        // and input; the state machine's own letter holds them directly.
        if (message["error"] is not null && message["input"] is JsonObject payload)
        {
            return new DeadLetterEntry(messageId, receiptHandle, DeadLetterSource.RecordFailure,
                (string?)message["executionId"] ?? (string?)payload["executionId"], payload["input"] as JsonObject, (string?)message["error"]);
        }

        if (message["executionId"] is not null && message["input"] is JsonObject input)
        {
            return new DeadLetterEntry(messageId, receiptHandle, DeadLetterSource.SendToDeadLetterQueue,
                (string?)message["executionId"], input, (string?)message["failure"]?[nameof(Error)]);
        }

        return null;
    }

    /// <summary>The upload's bucket, key and version id, as the event names them; any of them may be missing.</summary>
    public (string? Bucket, string? Key, string? VersionId) Upload =>
        ((string?)UploadEvent?["detail"]?["bucket"]?["name"], (string?)UploadEvent?["detail"]?["object"]?["key"], (string?)UploadEvent?["detail"]?["object"]?["version-id"]);
}
