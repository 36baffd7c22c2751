using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.HybridPipeline;

// Events: what starts an execution (an upload), and what dead-letters every end that is not a recorded result:
// timeouts, stops, and failures a Catch cannot see (States.Runtime, States.DataLimitExceeded).
public sealed partial class HybridPipelineStack
{
    private void StartOnUpload(string incomingPrefix)
    {
        var rule = new Rule(this, "DocumentUploaded", new RuleProps
        {
            Description = $"Starts the document pipeline for every object created under {incomingPrefix}.",
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
        // An execution that cannot be started after EventBridge's retries still leaves the event in the dead-letter queue.
        rule.AddTarget(new SfnStateMachine(StateMachine, new SfnStateMachineProps
        {
            DeadLetterQueue = DeadLetterQueue,
            RetryAttempts = 185,
            MaxEventAge = Duration.Hours(24),
        }));
    }

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
