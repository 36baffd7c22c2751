using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;

namespace ReferenceArchitectures.Cdk.HybridPipeline;

// Events: what starts an execution (an upload), and what records the ends that no Catch sees (timeouts, stops).
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
        // A Catch never sees an execution that times out or is stopped; the status-change event (which carries the
        // execution's input) goes to the dead-letter queue instead.
        var rule = new Rule(this, "ExecutionEndedUnrecorded", new RuleProps
        {
            Description = "Sends timed-out and aborted document pipeline executions to the dead-letter queue.",
            EventPattern = new EventPattern
            {
                Source = ["aws.states"],
                DetailType = ["Step Functions Execution Status Change"],
                Detail = new Dictionary<string, object>
                {
                    ["status"] = UnrecordedExecutionStatuses.ToArray(),
                    ["stateMachineArn"] = new[] { StateMachine.StateMachineArn },
                },
            },
        });
        rule.AddTarget(new SqsQueue(DeadLetterQueue));
    }
}
