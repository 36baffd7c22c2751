using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.SQS;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.HybridPipeline;

// Events: what starts an execution (an upload), and what dead-letters every end that is not a recorded result:
// timeouts, stops, and failures a Catch cannot see (States.Runtime, States.DataLimitExceeded).
public sealed partial class HybridPipelineStack
{
    /// <summary>
    /// An upload goes to the upload queue and wakes the gate; the gate starts its execution when a slot is free. Every
    /// execution that ends wakes the gate too (its slot is free), and a schedule wakes it every minute in case an event
    /// was lost: EventBridge delivers Step Functions' status changes on a best-effort basis.
    /// </summary>
    private void StartThroughTheGate(string incomingPrefix, IQueue uploads, Amazon.CDK.AWS.Lambda.IFunction gate)
    {
        var uploaded = new Rule(this, "DocumentUploaded", new RuleProps
        {
            Description = $"Queues every object created under {incomingPrefix} for the document pipeline and wakes its gate.",
            EventPattern = new EventPattern
            {
                Source = ["aws.s3"],
                DetailType = ["Object Created"],
                Detail = new Dictionary<string, object>
                {
                    ["bucket"] = new Dictionary<string, object> { ["name"] = new[] { InputBucket.BucketName } },
                    ["object"] = new Dictionary<string, object> { ["key"] = new object[] { new Dictionary<string, object> { ["prefix"] = incomingPrefix } } },
                },
            },
        });
        // An upload that cannot be queued after EventBridge's retries still leaves the event in the dead-letter queue.
        uploaded.AddTarget(new SqsQueue(uploads, new SqsQueueProps { DeadLetterQueue = DeadLetterQueue, RetryAttempts = 185, MaxEventAge = Duration.Hours(24) }));
        uploaded.AddTarget(new LambdaFunction(gate, new LambdaFunctionProps { RetryAttempts = 2 }));

        var ended = new Rule(this, "ExecutionEnded", new RuleProps
        {
            Description = "Frees the slot of every document pipeline execution that ends, and wakes the gate.",
            EventPattern = new EventPattern
            {
                Source = ["aws.states"],
                DetailType = ["Step Functions Execution Status Change"],
                Detail = new Dictionary<string, object>
                {
                    ["status"] = EndedExecutionStatuses.ToArray(),
                    ["stateMachineArn"] = new[] { StateMachine.StateMachineArn },
                },
            },
        });
        ended.AddTarget(new LambdaFunction(gate, new LambdaFunctionProps { RetryAttempts = 2 }));

        var schedule = new Rule(this, "ExecutionGateSchedule", new RuleProps
        {
            Description = "Wakes the document pipeline's gate every minute: frees slots whose executions ended unseen, starts queued uploads.",
            Schedule = Schedule.Rate(Duration.Minutes(1)),
        });
        schedule.AddTarget(new LambdaFunction(gate, new LambdaFunctionProps { RetryAttempts = 0 }));
        foreach (var rule in new[] { uploaded, ended, schedule })
        {
            // A lost wake-up loses nothing: the uploads wait in the queue, and the next wake-up (at most a minute away) drains it.
            NagAcknowledgements.Acknowledge(rule, "Serverless-EventBusDLQ", NagReasons.GateInvocation);
        }
    }

    /// <summary>Every status an execution ends in (https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html).</summary>
    public static IReadOnlyList<string> EndedExecutionStatuses { get; } = ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"];

    private void DeadLetterUnfinishedExecutions()
    {
        // A Catch never sees an execution that times out or is stopped, nor States.Runtime or States.DataLimitExceeded
        // (States.ALL does not match them); the status-change event, which carries the execution's ARN and input, goes
        // to the dead-letter queue. Step Functions delivers these events on a best-effort basis
        // (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html); the ExecutionsFailed and
        // ExecutionsTimedOut alarms count the executions themselves.
        var rule = new Rule(this, "ExecutionEndedUnrecorded", new RuleProps
        {
            Description = "Sends failed, timed-out and aborted document pipeline executions to the dead-letter queue.",
            EventPattern = new EventPattern
            {
                Source = ["aws.states"],
                DetailType = ["Step Functions Execution Status Change"],
                Detail = new Dictionary<string, object>
                {
                    ["status"] = DeadLetteredExecutionStatuses.ToArray(),
                    ["stateMachineArn"] = new[] { StateMachine.StateMachineArn },
                },
            },
        });
        rule.AddTarget(new SqsQueue(DeadLetterQueue));
        NagAcknowledgements.Acknowledge(rule, "Serverless-EventBusDLQ", NagReasons.DeadLetterRule);
    }
}
