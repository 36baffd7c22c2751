using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using Amazon.SQS.Model;
using ReferenceArchitectures.Pipeline;

namespace ReferenceArchitectures.Tools.PipelineReplay;

/// <summary>What the replay did with one dead document.</summary>
public enum ReplayAction
{
    Started,
    AlreadyReplayed,
    AlreadyHasResult,
    InProgress,
    CannotReplay,
}

/// <summary>One line of the replay's report: a document (or the letter, when it names none), what happened, and why.</summary>
public sealed record ReplayOutcome(string Document, ReplayAction Action, string Detail, int Letters, string? ExecutionName = null)
{
    public override string ToString() => $"{Document}: {Detail}";
}

/// <summary>
/// Reads the dead-letter queue and the ledger and starts each dead document again, once. The letters of one execution
/// (RecordFailure's, the state machine's own, and EventBridge's status change) are one document. Per document:
/// <list type="bullet">
/// <item>a result in the ledger (COMPLETED, REJECTED): nothing to do, its letters are deleted;</item>
/// <item>still claimed by the dead execution (a timeout, a stop, a failure no Catch saw): the claim is released (FAILED)
/// with one conditional write, then it is started;</item>
/// <item>claimed by another execution (a replay still running): left in the queue for the next run;</item>
/// <item>FAILED or unknown: started.</item>
/// </list>
/// An execution is started with StartExecution under a name derived from the dead execution, so a second run of the
/// replay (or two at once) finds the name taken and starts nothing twice; the letters are deleted only once the execution
/// exists. The new execution claims the document like any other; what it does then is the pipeline's own work.
/// </summary>
public sealed class DeadLetterReplay(PipelineAwsClients aws, IExecutionStarter stepFunctions, TextWriter output, TimeProvider? timeProvider = null)
{
    // Long enough to decide and start every document before the letters come back.
    private const int VisibilityTimeoutSeconds = 300;

    public async Task<IReadOnlyList<ReplayOutcome>> RunAsync(ReplayOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ledger = new DocumentLedger(aws.DynamoDb, options.TableName, timeProvider);
        var letters = await ReceiveAllAsync(options, cancellationToken);
        var outcomes = new List<ReplayOutcome>();
        foreach (var unknown in letters.Unknown)
        {
            outcomes.Add(Report(new ReplayOutcome("message " + unknown, ReplayAction.CannotReplay, "left in the queue: not a dead letter of this pipeline", 1)));
        }

        foreach (var group in letters.Known.GroupBy(letter => letter.GroupKey, StringComparer.Ordinal))
        {
            outcomes.Add(Report(await ReplayAsync([.. group], ledger, options, cancellationToken)));
        }

        var started = outcomes.Count(o => o.Action == ReplayAction.Started);
        await output.WriteLineAsync(options.DryRun
            ? $"Dry run: {outcomes.Count} document(s) in {letters.Known.Count + letters.Unknown.Count} letter(s); {started} would be started. Nothing was changed."
            : $"{outcomes.Count} document(s) in {letters.Known.Count + letters.Unknown.Count} letter(s): {started} started, {outcomes.Count(o => o.Action is ReplayAction.AlreadyHasResult or ReplayAction.AlreadyReplayed)} already done, {outcomes.Count(o => o.Action is ReplayAction.InProgress or ReplayAction.CannotReplay)} left in the queue.");
        return outcomes;
    }

    /// <summary>The execution name a replay of <paramref name="groupKey"/> gets: the same every time, at most 80 characters.</summary>
    public static string ExecutionNameFor(string groupKey) =>
        "replay-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(groupKey)))[..40];

    private async Task<ReplayOutcome> ReplayAsync(IReadOnlyList<DeadLetterEntry> group, DocumentLedger ledger, ReplayOptions options, CancellationToken ct)
    {
        var first = group[0];
        var deadExecution = first.ExecutionArn;
        var uploadEvent = group.Select(letter => letter.UploadEvent).FirstOrDefault(e => e is not null);
        var (bucket, key, versionId) = group.Select(letter => letter.Upload).FirstOrDefault(u => u.Bucket is not null && u.Key is not null);
        var errors = string.Join(", ", group.Select(letter => letter.Error).OfType<string>().Distinct());
        if (uploadEvent is null || bucket is null || key is null)
        {
            return new ReplayOutcome(deadExecution ?? "message " + first.MessageId, ReplayAction.CannotReplay,
                $"left in the queue: its input names no uploaded object ({errors})", group.Count);
        }

        var note = "";
        if (string.IsNullOrEmpty(versionId))
        {
            // Not an event of a versioned bucket, or a hand-made input: the replay takes the object's current version.
            var head = await aws.S3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key }, ct);
            if (string.IsNullOrEmpty(head.VersionId) || head.VersionId == DocumentReference.UnversionedId)
            {
                return new ReplayOutcome($"{bucket}#{key}", ReplayAction.CannotReplay, "left in the queue: the event has no version id and the bucket is not versioned", group.Count);
            }

            versionId = head.VersionId;
            uploadEvent = (JsonObject)uploadEvent.DeepClone();
            uploadEvent["detail"]!["object"]!["version-id"] = versionId;
            note = $" (the event had no version id; the current version {versionId} was taken)";
        }

        var document = new DocumentReference(bucket, key, versionId);
        var record = await ledger.GetAsync(document, ct);
        var name = ExecutionNameFor(first.GroupKey);
        switch (record?.Status)
        {
            case DocumentLedger.Completed or DocumentLedger.RejectedStatus:
                await DeleteAsync(group, options, ct);
                return new ReplayOutcome(document.LedgerKey, ReplayAction.AlreadyHasResult,
                    $"{Verb(options, "deleted", "would delete")} {group.Count} letter(s): already {record.Status}", group.Count);
            case DocumentLedger.Processing when record.ExecutionId != deadExecution:
                return new ReplayOutcome(document.LedgerKey, ReplayAction.InProgress,
                    $"left in the queue: execution {record.ExecutionId} holds it now", group.Count);
            case DocumentLedger.Processing when !options.DryRun:
                // Still claimed by the dead execution itself: free it for the replay.
                await ledger.ReleaseAsync(document, deadExecution!, ct);
                break;
        }

        var was = record is null ? "not in the ledger" : record.Status == DocumentLedger.Processing ? "claimed by the dead execution" : record.Status;
        if (options.DryRun)
        {
            return new ReplayOutcome(document.LedgerKey, ReplayAction.Started,
                $"would start {name} ({was}; {errors}; {group.Count} letter(s)){note}", group.Count, name);
        }

        var started = await stepFunctions.StartExecutionAsync(options.StateMachineArn, name, uploadEvent.ToJsonString(), ct);
        await DeleteAsync(group, options, ct);
        return started.AlreadyExists
            ? new ReplayOutcome(document.LedgerKey, ReplayAction.AlreadyReplayed, $"already replayed as {name}; deleted {group.Count} letter(s)", group.Count, name)
            : new ReplayOutcome(document.LedgerKey, ReplayAction.Started, $"started {started.ExecutionArn} ({was}; {errors}); deleted {group.Count} letter(s){note}", group.Count, name);
    }

    private async Task<(List<DeadLetterEntry> Known, List<string> Unknown)> ReceiveAllAsync(ReplayOptions options, CancellationToken ct)
    {
        var known = new List<DeadLetterEntry>();
        var unknown = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var response = await aws.Sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = options.QueueUrl,
                MaxNumberOfMessages = 10,
                VisibilityTimeout = VisibilityTimeoutSeconds,
                WaitTimeSeconds = 0,
            }, ct);
            var fresh = (response.Messages ?? []).Where(message => seen.Add(message.MessageId)).ToList();
            if (fresh.Count == 0)
            {
                return (known, unknown);
            }

            foreach (var message in fresh)
            {
                if (DeadLetterEntry.Parse(message.MessageId, message.ReceiptHandle, message.Body) is { } entry)
                {
                    known.Add(entry);
                }
                else
                {
                    unknown.Add(message.MessageId);
                }
            }
        }
    }

    private async Task DeleteAsync(IReadOnlyList<DeadLetterEntry> group, ReplayOptions options, CancellationToken ct)
    {
        if (options.DryRun)
        {
            return;
        }

        foreach (var letter in group)
        {
            await aws.Sqs.DeleteMessageAsync(options.QueueUrl, letter.ReceiptHandle, ct);
        }
    }

    private ReplayOutcome Report(ReplayOutcome outcome)
    {
        output.WriteLine(outcome.ToString());
        return outcome;
    }

    private static string Verb(ReplayOptions options, string done, string wouldDo) => options.DryRun ? wouldDo : done;
}
