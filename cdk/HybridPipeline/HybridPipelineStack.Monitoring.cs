using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.HybridPipeline;

// Monitoring: the alarm topic, and alarms on failed and timed-out executions and on dead letters waiting.
public sealed partial class HybridPipelineStack
{
    private EncryptedAlarmTopic CreateAlarmTopic(HybridPipelineStackProps props) =>
        EncryptedAlarmTopic.AddTo(this, "AlarmTopic", new EncryptedAlarmTopicOptions("Hybrid document pipeline alarms", props.AlarmEmail)
        {
            KeyDescription = "Encrypts the alarm notifications of the hybrid document pipeline.",
        });

    private void AddAlarms(EncryptedAlarmTopic alarms)
    {
        var minute = Duration.Minutes(1);
        alarms.AddAlarm("ExecutionsFailed", StateMachine.MetricFailed(new MetricOptions { Period = minute, Statistic = Stats.SUM }),
            threshold: 1, evaluationPeriods: 1,
            "Document pipeline executions failed. Each failed execution's input reaches the dead-letter queue: from RecordFailure (which also marks the record FAILED) or SendToDeadLetterQueue, and from the execution status-change rule (best effort), which also covers failures no Catch sees. Replay with tools/PipelineReplay.");
        alarms.AddAlarm("ExecutionsTimedOut", StateMachine.MetricTimedOut(new MetricOptions { Period = minute, Statistic = Stats.SUM }),
            threshold: 1, evaluationPeriods: 1,
            "Document pipeline executions timed out; no Catch sees a timeout, so each one's input reaches the dead-letter queue only through the execution status-change rule (best effort) and its record may still say PROCESSING. Replay with tools/PipelineReplay.");
        alarms.AddAlarm("DeadLettersWaiting", DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Period = minute, Statistic = Stats.MAXIMUM }),
            threshold: 1, evaluationPeriods: 1, "Documents wait in the dead-letter queue; tools/PipelineReplay lists them (--dry-run) and starts them again.");
    }
}
