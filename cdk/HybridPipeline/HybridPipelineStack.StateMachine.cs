using Amazon.CDK;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.StepFunctions;
using Amazon.CDK.AWS.StepFunctions.Tasks;
using ReferenceArchitectures.Cdk.Constructs;
using ContainerOverride = Amazon.CDK.AWS.StepFunctions.Tasks.ContainerOverride;
using LogGroupProps = Amazon.CDK.AWS.Logs.LogGroupProps;
using TaskEnvironmentVariable = Amazon.CDK.AWS.StepFunctions.Tasks.TaskEnvironmentVariable;
using Timeout = Amazon.CDK.AWS.StepFunctions.Timeout;

namespace ReferenceArchitectures.Cdk.HybridPipeline;

// StateMachine: the definition, which is what a fork changes most. The states and where each leads:
//
//   CheckUploadEvent ─┬─ no bucket, key, version id or size ─▶ NotAVersionedUpload ─▶ RecordFailure
//                     └─▶ Preprocess ─▶ Route ─┬─ duplicate ─────────────────────────▶ AlreadyProcessed
//                                              ├─ rejected ──────────────────────────▶ Store ─▶ Completed
//                                              ├─ accepted, within the light limits ─▶ Analyze (Lambda) ─▶ Store
//                                              ├─ accepted ──────────────────────────▶ AnalyzeLargeDocument (Fargate task) ─▶ Store
//                                              └─ any other status ──────────────────▶ UnexpectedPreprocessStatus ─▶ RecordFailure
//
//   an error in any step ─▶ RecordFailure ─▶ FailureRecorded ─┬─ the ledger already holds a result ─▶ ResultRecordedBeforeTheError
//                           │                                  └─▶ ProcessingFailed
//                           └─ its own error ─▶ SendToDeadLetterQueue ─▶ ProcessingFailed
//
// A path that does not exist in a state's input is a States.Runtime error, which no Catch on States.ALL sees: every
// path read below is either checked first (CheckUploadEvent) or always written by the step before it.
public sealed partial class HybridPipelineStack
{
    private StateMachine CreateStateMachine(HybridPipelineStackProps props, Worker worker)
    {
        // The failure path comes first: every step below catches into it.
        var recordFailure = RecordFailureStep(props);

        var preprocess = LambdaStep(StateNames.Preprocess, PreprocessFunction, props.PreprocessTimeoutSeconds,
            TaskInput.FromObject(new Dictionary<string, object>
            {
                ["bucket"] = JsonPath.StringAt("$.detail.bucket.name"),
                ["key"] = JsonPath.StringAt("$.detail.object.key"),
                ["versionId"] = JsonPath.StringAt("$.detail.object.version-id"),
                ["size"] = JsonPath.NumberAt("$.detail.object.size"),
                // The ledger's claim records the execution, so a retry of this step finds its own claim.
                ["executionId"] = JsonPath.StringAt("$$.Execution.Id"),
            }),
            new Dictionary<string, object> { ["document"] = JsonPath.StringAt("$.Payload") },
            // No ResultPath: the result replaces the event, as with "$". The explicit "$" means the same to Step
            // Functions but aws-local-stepfunctions 3.0.0, which the tests run the definition in, mishandles it.
            null,
            recordFailure);

        var analyze = LambdaStep(StateNames.Analyze, AnalyzeFunction, props.AnalyzeTimeoutSeconds,
            TaskInput.FromJsonPathAt("$.document"),
            new Dictionary<string, object> { ["path"] = "light", ["summary"] = JsonPath.StringAt("$.Payload") },
            "$.analysis",
            recordFailure);
        // Bedrock still throttling after the client's own retries: wait longer than the client did, then try the
        // whole step again.
        analyze.AddRetry(PipelineTimeBudget.BedrockThrottledRetry.ToRetryProps());

        var analyzeLarge = AnalyzeLargeDocumentStep(props, worker, recordFailure);

        var store = LambdaStep(StateNames.Store, StoreFunction, props.StoreTimeoutSeconds,
            TaskInput.FromJsonPathAt("$"),
            new Dictionary<string, object> { ["record"] = JsonPath.StringAt("$.Payload") },
            "$.stored",
            recordFailure);

        var unexpected = new Pass(this, StateNames.UnexpectedPreprocessStatus, new PassProps
        {
            Parameters = new Dictionary<string, object>
            {
                ["Error"] = "Pipeline.UnexpectedPreprocessStatus",
                ["Cause"] = "Preprocess returned a status other than accepted, rejected or duplicate.",
            },
            ResultPath = "$.failure",
        });
        unexpected.Next(recordFailure);

        var route = RouteStep(props, store, analyze, analyzeLarge, unexpected);
        preprocess.Next(route);
        var checkUpload = CheckUploadEventStep(preprocess, recordFailure);
        analyze.Next(store);
        analyzeLarge.Next(store);
        store.Next(new Succeed(this, StateNames.Completed));

        var logGroup = new LogGroup(this, "StateMachineLogs", new LogGroupProps
        {
            // Step Functions adds each log group it writes to to the account's CloudWatch Logs resource policy, which holds
            // at most 5,120 characters, unless the group's name starts with /aws/vendedlogs/
            // (https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html). The stack's name and the unique part of
            // its id keep the name unique per deployment, so a retained group never blocks the next one.
            LogGroupName = StateMachineLogGroupName,
            Retention = props.LogRetention,
            RemovalPolicy = props.LogRemovalPolicy,
        });
        var stateMachine = new StateMachine(this, "DocumentPipeline", new StateMachineProps
        {
            Comment = "Hybrid document pipeline: Lambda for light documents, a Fargate task for large ones.",
            DefinitionBody = DefinitionBody.FromChainable(checkUpload),
            StateMachineType = StateMachineType.STANDARD,
            Timeout = Duration.Minutes(props.EffectiveExecutionTimeoutMinutes),
            TracingEnabled = true,
            Logs = new LogOptions { Destination = logGroup, Level = LogLevel.ALL, IncludeExecutionData = true },
        });
        AcknowledgeStateMachineWildcards(stateMachine);
        return stateMachine;
    }

    /// <summary>The prefix of the state machine's log group, which keeps it out of the account's log resource policy.</summary>
    public const string VendedLogsPrefix = "/aws/vendedlogs/states/";

    private static string StateMachineLogGroupName =>
        Fn.Join("", [VendedLogsPrefix, Aws.STACK_NAME, "-DocumentPipeline-", Fn.Select(2, Fn.Split("/", Aws.STACK_ID))]);

    /// <summary>
    /// Preprocess reads the bucket, key, version id and size from the S3 event; an input without one of them (an event of
    /// an unversioned bucket has no version id, a hand-started execution may have anything) would fail Preprocess's
    /// Parameters with States.Runtime, which no Catch sees. It is recorded as a failure instead. Each value must be of its
    /// type, not only present: an explicit null is no version id.
    /// </summary>
    private Choice CheckUploadEventStep(IChainable preprocess, IChainable recordFailure)
    {
        var notVersioned = new Pass(this, StateNames.NotAVersionedUpload, new PassProps
        {
            Parameters = new Dictionary<string, object>
            {
                ["Error"] = "Pipeline.NotAVersionedUpload",
                ["Cause"] = "The input is not an S3 Object Created event with a bucket name, key, version id and size; only versioned buckets give every upload a version id.",
            },
            ResultPath = "$.failure",
        });
        notVersioned.Next(recordFailure);

        // Rules are tried in order and the first that matches decides. A comparison of a path that is not there is
        // itself States.Runtime, so presence is tested first, one rule per path, and the types only once all are there.
        string[] paths = ["$.detail.bucket.name", "$.detail.object.key", "$.detail.object.version-id", "$.detail.object.size"];
        var check = new Choice(this, StateNames.CheckUploadEvent);
        foreach (var path in paths)
        {
            check.When(Condition.Not(Condition.IsPresent(path)), notVersioned);
        }

        return check
            .When(Condition.And(
                Condition.IsString(paths[0]),
                Condition.IsString(paths[1]),
                Condition.IsString(paths[2]),
                Condition.IsNumeric(paths[3])), preprocess)
            .Otherwise(notVersioned);
    }

    /// <summary>
    /// Preprocess reports a status; an accepted document goes to Lambda when it is within every light limit and to the
    /// Fargate task otherwise.
    /// </summary>
    private Choice RouteStep(HybridPipelineStackProps props, IChainable store, IChainable analyze, IChainable analyzeLarge, IChainable unexpected)
    {
        var accepted = Condition.StringEquals("$.document.status", "accepted");
        var light = Condition.And(
            accepted,
            Condition.IsNumeric("$.document.bytes"),
            Condition.NumberLessThanEquals("$.document.bytes", props.LightMaxBytes),
            // Types without pages (text, HTML, Word) report pages as null; only size decides for them.
            Condition.Or(Condition.Not(Condition.IsNumeric("$.document.pages")), Condition.NumberLessThanEquals("$.document.pages", props.LightMaxPages)),
            // Word files compress text well: a small file can hold more text than one Lambda run should analyse.
            Condition.IsNumeric("$.document.characters"),
            Condition.NumberLessThanEquals("$.document.characters", props.LightMaxCharacters));
        return new Choice(this, StateNames.Route)
            .When(Condition.StringEquals("$.document.status", "duplicate"), new Succeed(this, StateNames.AlreadyProcessed, new SucceedProps { Comment = "Another delivery of this document version claimed it first." }))
            .When(Condition.StringEquals("$.document.status", "rejected"), store)
            .When(light, analyze)
            .When(accepted, analyzeLarge)
            .Otherwise(unexpected);
    }

    /// <summary>The worker as an ECS RunTask <c>.sync</c> task: the state waits until the task stops.</summary>
    private EcsRunTask AnalyzeLargeDocumentStep(HybridPipelineStackProps props, Worker worker, IChainable recordFailure)
    {
        var analyzeLarge = new EcsRunTask(this, StateNames.AnalyzeLargeDocument, new EcsRunTaskProps
        {
            IntegrationPattern = IntegrationPattern.RUN_JOB,
            Cluster = worker.Cluster,
            TaskDefinition = worker.TaskDefinition,
            LaunchTarget = new EcsFargateLaunchTarget(new EcsFargateLaunchTargetOptions { PlatformVersion = FargatePlatformVersion.LATEST }),
            AssignPublicIp = false,
            Subnets = ServiceNetwork.PrivateSubnets,
            SecurityGroups = [worker.SecurityGroup],
            ContainerOverrides =
            [
                new ContainerOverride
                {
                    ContainerDefinition = worker.Container,
                    Environment =
                    [
                        new TaskEnvironmentVariable { Name = "DOCUMENT_BUCKET", Value = JsonPath.StringAt("$.document.bucket") },
                        new TaskEnvironmentVariable { Name = "DOCUMENT_KEY", Value = JsonPath.StringAt("$.document.key") },
                        new TaskEnvironmentVariable { Name = "DOCUMENT_VERSION_ID", Value = JsonPath.StringAt("$.document.versionId") },
                    ],
                },
            ],
            // The task description is large and of no use downstream; its ARN identifies the run in the logs.
            ResultSelector = new Dictionary<string, object> { ["path"] = "heavy", ["taskArn"] = JsonPath.StringAt("$.TaskArn") },
            ResultPath = "$.analysis",
            TaskTimeout = Timeout.Duration(Duration.Minutes(props.WorkerTimeoutMinutes)),
        });
        analyzeLarge.AddRetry(PipelineTimeBudget.EcsServiceRetry.ToRetryProps());
        // Fargate start-up failures (ResourceInitializationError, CannotPullContainerError) and a crashed worker both
        // surface as States.TaskFailed; one more run separates a passing fault from a document that always fails.
        analyzeLarge.AddRetry(PipelineTimeBudget.WorkerTaskFailedRetry.ToRetryProps());
        analyzeLarge.AddCatch(recordFailure, new CatchProps { Errors = [Errors.ALL], ResultPath = "$.failure" });
        return analyzeLarge;
    }

    /// <summary>
    /// RecordFailure marks the document FAILED and sends a dead letter; when it cannot run, the state machine sends the
    /// dead letter itself. Both end in ProcessingFailed.
    /// </summary>
    private LambdaInvoke RecordFailureStep(HybridPipelineStackProps props)
    {
        var recordFailure = LambdaStep(StateNames.RecordFailure, RecordFailureFunction, props.RecordFailureTimeoutSeconds,
            // The execution's input rather than the current state: a failure in Preprocess leaves no $.document,
            // and the S3 event identifies the document. Only paths that always exist: the input itself rather than
            // its detail, which an input that is not an S3 event lacks (States.Runtime, which no Catch sees).
            TaskInput.FromObject(new Dictionary<string, object>
            {
                ["executionId"] = JsonPath.StringAt("$$.Execution.Id"),
                ["input"] = JsonPath.StringAt("$$.Execution.Input"),
                ["failure"] = JsonPath.StringAt("$.failure"),
            }),
            new Dictionary<string, object> { ["recorded"] = JsonPath.StringAt("$.Payload") },
            "$.recorded");
        // Recording a failure is idempotent (a conditional update and a dead letter keyed by execution), so any
        // error of its own is worth a few more attempts before the last resort below.
        recordFailure.AddRetry(PipelineTimeBudget.RecordFailureRetry.ToRetryProps());

        // The last resort when the record-failure function itself cannot run: the state machine sends the dead
        // letter without any Lambda in between, so the document is never lost silently.
        var sendToDeadLetterQueue = new SqsSendMessage(this, StateNames.SendToDeadLetterQueue, new SqsSendMessageProps
        {
            Queue = DeadLetterQueue,
            MessageBody = TaskInput.FromObject(new Dictionary<string, object>
            {
                ["executionId"] = JsonPath.StringAt("$$.Execution.Id"),
                ["input"] = JsonPath.StringAt("$$.Execution.Input"),
                ["failure"] = JsonPath.StringAt("$.failure"),
                ["recordFailureError"] = JsonPath.StringAt("$.recordFailureError"),
            }),
            ResultPath = JsonPath.DISCARD,
            TaskTimeout = Timeout.Duration(Duration.Seconds(PipelineTimeBudget.SendToDeadLetterQueueTimeoutSeconds)),
        });
        sendToDeadLetterQueue.AddRetry(PipelineTimeBudget.SendToDeadLetterQueueRetry.ToRetryProps());
        var processingFailed = new Fail(this, StateNames.ProcessingFailed, new FailProps
        {
            Error = "DocumentProcessingFailed",
            // True on both ways here: RecordFailure marked the record FAILED and sent a dead letter, or it could not run
            // and SendToDeadLetterQueue sent one (the record then still says PROCESSING; the replay command releases it).
            Cause = "The document could not be processed; its input and the cause are in the dead-letter queue.",
        });
        recordFailure.AddCatch(sendToDeadLetterQueue, new CatchProps { Errors = [Errors.ALL], ResultPath = "$.recordFailureError" });
        // A step whose response was lost after it wrote the result (Store) fails although the document is done; the
        // ledger knows, RecordFailure sends no dead letter then, and the execution succeeds: one result, no dead letter.
        recordFailure.Next(new Choice(this, StateNames.FailureRecorded)
            .When(Condition.Or(
                    Condition.StringEquals("$.recorded.recorded.status", DocumentLedgerStatus.Completed),
                    Condition.StringEquals("$.recorded.recorded.status", DocumentLedgerStatus.Rejected)),
                new Succeed(this, StateNames.ResultRecordedBeforeTheError, new SucceedProps { Comment = "The document's result was recorded before the error; nothing was dead-lettered." }))
            .Otherwise(processingFailed));
        sendToDeadLetterQueue.Next(processingFailed);
        return recordFailure;
    }

    /// <summary>The ledger statuses the definition reads (DocumentLedger's, which this project does not reference).</summary>
    private static class DocumentLedgerStatus
    {
        public const string Completed = "COMPLETED";
        public const string Rejected = "REJECTED";
    }

    /// <summary>A <c>lambda:invoke</c> task that retries Lambda's own errors with jitter and, if given, catches every error into <paramref name="onFailure"/>.</summary>
    private LambdaInvoke LambdaStep(string stateName, IFunction function, int functionTimeoutSeconds, TaskInput payload,
        IDictionary<string, object> resultSelector, string? resultPath, IChainable? onFailure = null)
    {
        var step = new LambdaInvoke(this, stateName, new LambdaInvokeProps
        {
            LambdaFunction = function,
            Payload = payload,
            ResultSelector = resultSelector,
            ResultPath = resultPath,
            // The CDK's default retry has no jitter and no throttling; the retry below replaces it.
            RetryOnServiceExceptions = false,
            // A little longer than the function's own timeout, so that the function's timeout is what reports
            // first and a still-running invocation can never race the failure record.
            TaskTimeout = Timeout.Duration(Duration.Seconds(functionTimeoutSeconds + PipelineTimeBudget.LambdaTaskMarginSeconds)),
        });
        step.AddRetry(PipelineTimeBudget.LambdaServiceRetry.ToRetryProps());
        if (onFailure is not null)
        {
            step.AddCatch(onFailure, new CatchProps { Errors = [Errors.ALL], ResultPath = "$.failure" });
        }

        return step;
    }

    private void AcknowledgeStateMachineWildcards(StateMachine stateMachine)
    {
        var policy = stateMachine.Role.Node.FindChild("DefaultPolicy").Node.FindChild("Resource");
        NagAcknowledgements.Acknowledge(policy, "AwsSolutions-IAM5", NagReasons.StateMachineWildcards, "Resource::*");
        NagAcknowledgements.Acknowledge(policy, "AwsSolutions-IAM5", NagReasons.FunctionVersions,
            [.. new[] { PreprocessFunction, AnalyzeFunction, StoreFunction, RecordFailureFunction }.Select(function => $"Resource::<{LogicalIdOf(function)}.Arn>:*")]);
        NagAcknowledgements.Acknowledge(policy, "AwsSolutions-IAM5", NagReasons.EcsRunTaskSync,
            "Resource::arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/StepFunctionsGetEventsForECSTaskRule");
        NagAcknowledgements.Acknowledge(policy, "AwsSolutions-IAM5", NagReasons.TaskDefinitionRevisions, TaskDefinitionRevisionsFinding(LogicalIdOf(WorkerTaskDefinition)));
    }

    /// <summary>
    /// How cdk-nag names the RunTask grant: the task definition ARN split apart by the CDK to replace its revision with '*'.
    /// </summary>
    private static string TaskDefinitionRevisionsFinding(string taskDefinitionId)
    {
        string Part(int index) => $"{{\"Fn::Select\":[{index},{{\"Fn::Split\":[\":\",{{\"Ref\":\"{taskDefinitionId}\"}}]}}]}}";
        string NamePart(int index) => $"{{\"Fn::Select\":[{index},{{\"Fn::Split\":[\"/\",{Part(5)}]}}]}}";
        return $"Resource::arn:{Part(1)}:{Part(2)}:{Part(3)}:{Part(4)}:{NamePart(0)}/{NamePart(1)}:*";
    }
}
