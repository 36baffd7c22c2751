using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace ReferenceArchitectures.Pipeline;

/// <summary>Step Functions calls the gate makes.</summary>
public interface IStepFunctions : IExecutionStarter, IExecutionStatusReader;

/// <summary>The gate's configuration: the upload queue it drains, the state machine it starts, and how many may run at once.</summary>
/// <param name="VisibilityTimeout">How long a received upload stays hidden while its execution is started; it comes back after that if the start failed.</param>
/// <param name="StartGrace">How long a slot may be held by a name with no execution (a starter that stopped between taking the slot and starting) before it is taken back.</param>
public sealed record ExecutionGateSettings(string QueueUrl, string StateMachineArn, int MaxRunning, TimeSpan VisibilityTimeout, TimeSpan StartGrace)
{
    public ExecutionGateSettings Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(QueueUrl);
        if (!StateMachineArn.Contains(":stateMachine:", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{StateMachineArn}' is not a state machine ARN.", nameof(StateMachineArn));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRunning, 1, nameof(MaxRunning));
        ArgumentOutOfRangeException.ThrowIfLessThan(VisibilityTimeout, TimeSpan.FromSeconds(1), nameof(VisibilityTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(StartGrace, VisibilityTimeout, nameof(StartGrace));
        return this;
    }

    /// <summary>The ARN Step Functions gives the execution of this state machine named <paramref name="name"/>.</summary>
    public string ExecutionArn(string name) => StateMachineArn.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":" + name;
}

/// <summary>What one drain did.</summary>
public sealed record DrainReport(int Started, int AlreadyRan, int LeftInQueue, int FreeSlots);

/// <summary>
/// Back-pressure for the pipeline. Uploads wait in an SQS queue; an execution is started for one only after it has taken
/// a slot of <see cref="ExecutionSlots"/>, so no more than <see cref="ExecutionGateSettings.MaxRunning"/> executions run
/// at once, however many uploads arrive. A queue message is received only when a slot is free, so a waiting upload is
/// not received (and its receive count does not grow) while the pipeline is full.
/// <list type="bullet">
/// <item><see cref="DrainAsync"/>: while slots are free, receive uploads, take a slot per upload, start its execution
/// under a name derived from the upload event (a retried start finds the same execution), and delete the message once
/// the execution exists. A start that fails gives the slot back and leaves the message, which comes back after its
/// visibility timeout; the queue's redrive policy moves one that keeps failing to the dead-letter queue.</item>
/// <item><see cref="ReleaseAsync"/>: an execution ended (its status-change event); its slot is free again.</item>
/// <item><see cref="ReconcileAsync"/>: status-change events are delivered on a best-effort basis, so on a schedule every
/// holder is checked with DescribeExecution and a slot whose execution is no longer running, or never started, is
/// taken back.</item>
/// </list>
/// </summary>
public sealed partial class ExecutionGate(IAmazonSQS sqs, ExecutionSlots slots, IStepFunctions stepFunctions, ExecutionGateSettings settings, TimeProvider? timeProvider = null)
{
    private const int MaxMessagesPerReceive = 10;
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>Starts executions for queued uploads while slots are free.</summary>
    public async Task<DrainReport> DrainAsync(CancellationToken cancellationToken)
    {
        await slots.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var (started, alreadyRan, left) = (0, 0, 0);
        while (true)
        {
            var free = settings.MaxRunning - (await slots.ReadAsync(cancellationToken).ConfigureAwait(false)).Running;
            if (free <= 0)
            {
                return new DrainReport(started, alreadyRan, left, 0);
            }

            var received = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = settings.QueueUrl,
                MaxNumberOfMessages = Math.Min(free, MaxMessagesPerReceive),
                VisibilityTimeout = (int)settings.VisibilityTimeout.TotalSeconds,
                WaitTimeSeconds = 0,
            }, cancellationToken).ConfigureAwait(false);
            var messages = received.Messages ?? [];
            if (messages.Count == 0)
            {
                return new DrainReport(started, alreadyRan, left, free);
            }

            for (var i = 0; i < messages.Count; i++)
            {
                switch (await StartAsync(messages[i], cancellationToken).ConfigureAwait(false))
                {
                    case StartResult.Started:
                        started++;
                        break;
                    case StartResult.AlreadyRan:
                        alreadyRan++;
                        break;
                    case StartResult.Full:
                        // Another starter took the last slot first: this message and the rest go back at once.
                        foreach (var message in messages.Skip(i))
                        {
                            await sqs.ChangeMessageVisibilityAsync(settings.QueueUrl, message.ReceiptHandle, 0, cancellationToken).ConfigureAwait(false);
                        }

                        return new DrainReport(started, alreadyRan, left + messages.Count - i, 0);
                    default:
                        left++;
                        break;
                }
            }
        }
    }

    /// <summary>Frees the slot of an execution that ended; false when it held none (started by someone else, or freed before).</summary>
    public Task<bool> ReleaseAsync(string executionArnOrName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(executionArnOrName);
        return slots.ReleaseAsync(executionArnOrName.Split(':')[^1], cancellationToken);
    }

    /// <summary>Takes back every slot whose execution is not running: ended (a lost status-change event) or never started. Returns the names freed.</summary>
    public async Task<IReadOnlyList<string>> ReconcileAsync(CancellationToken cancellationToken)
    {
        var freed = new List<string>();
        var now = _time.GetUtcNow();
        foreach (var (name, acquiredAt) in (await slots.ReadAsync(cancellationToken).ConfigureAwait(false)).Holders)
        {
            var status = await stepFunctions.DescribeExecutionStatusAsync(settings.ExecutionArn(name), cancellationToken).ConfigureAwait(false);
            var stale = status switch
            {
                "RUNNING" => false,
                // No execution yet: a starter may be between taking the slot and starting it; wait past its message's visibility.
                null => now - acquiredAt > settings.StartGrace,
                _ => true,
            };
            if (stale && await slots.ReleaseAsync(name, cancellationToken).ConfigureAwait(false))
            {
                freed.Add(name);
            }
        }

        return freed;
    }

    /// <summary>
    /// The execution name of an upload: the EventBridge event's id, which every delivery of that event keeps
    /// (https://docs.aws.amazon.com/eventbridge/latest/ref/events-structure.html), when it is a valid name; otherwise a
    /// hash of the body. Null when the body is not an event.
    /// </summary>
    public static string? ExecutionNameOf(string body)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }

        if (node is not JsonObject uploadEvent || uploadEvent["detail"] is not JsonObject)
        {
            return null;
        }

        return uploadEvent["id"] is JsonValue id && id.TryGetValue<string>(out var text) && ValidName().IsMatch(text)
            ? text
            : "upload-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)))[..40];
    }

    private async Task<StartResult> StartAsync(Message message, CancellationToken cancellationToken)
    {
        if (ExecutionNameOf(message.Body) is not { } name)
        {
            // Not an upload event: left for the queue's redrive policy to move to the dead-letter queue.
            return StartResult.Left;
        }

        if (!await slots.TryAcquireAsync(name, settings.MaxRunning, cancellationToken).ConfigureAwait(false))
        {
            return StartResult.Full;
        }

        StartedExecution started;
        try
        {
            started = await stepFunctions.StartExecutionAsync(settings.StateMachineArn, name, message.Body, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException or IOException)
        {
            // Throttled, or Step Functions unreachable: the slot goes back and the upload comes back after its visibility timeout.
            await slots.ReleaseAsync(name, CancellationToken.None).ConfigureAwait(false);
            return StartResult.Left;
        }

        if (started.AlreadyExists)
        {
            // An execution of this upload ran before and has ended: its outcome (a result or a dead letter) is recorded.
            await slots.ReleaseAsync(name, cancellationToken).ConfigureAwait(false);
        }

        await sqs.DeleteMessageAsync(settings.QueueUrl, message.ReceiptHandle, cancellationToken).ConfigureAwait(false);
        return started.AlreadyExists ? StartResult.AlreadyRan : StartResult.Started;
    }

    // StartExecution's name rules: 1 to 80 characters, no white space, brackets, wildcards or the listed special characters.
    [GeneratedRegex("^[A-Za-z0-9_-]{1,80}$")]
    private static partial Regex ValidName();

    private enum StartResult
    {
        Started,
        AlreadyRan,
        Full,
        Left,
    }
}
