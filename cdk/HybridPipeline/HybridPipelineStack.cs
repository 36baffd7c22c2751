using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SQS;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.HybridPipeline;

/// <summary>
/// Pattern 4: an upload under <c>incoming/</c> starts a Standard state machine that preprocesses the document in
/// Lambda, analyzes small documents in Lambda and large ones in a Fargate task (ECS RunTask <c>.sync</c>), and
/// stores a record in DynamoDB. Every failure is recorded and sent to a dead-letter queue.
/// <para>
/// The class is split by part, one file each: Storage (buckets, table, dead-letter queue), Functions (the Lambda
/// steps), Worker (the Fargate task), StateMachine (the definition), Events (what starts and what ends an
/// execution) and Monitoring (the alarm topic and alarms). The constructor below is the table of contents. Every part
/// adds its resources to the stack itself, so that the logical ids of what holds data never change.
/// </para>
/// </summary>
public sealed partial class HybridPipelineStack : Stack
{
    /// <summary>The stack's construct id in the app, and the name of its template in cdk.out.</summary>
    public const string ConstructId = "HybridPipelineStack";

    public const string FunctionProjectPath = "functions/DocumentPipeline/ReferenceArchitectures.Functions.DocumentPipeline.csproj";

    public const string WorkerDockerfile = "containers/BatchWorker/Dockerfile";
    public const string WorkerContainerName = "BatchWorker";

    public const string PreprocessHandler = "preprocess";
    public const string AnalyzeHandler = "analyze";
    public const string StoreHandler = "store";
    public const string RecordFailureHandler = "record-failure";
    public const string StartExecutionsHandler = "start-executions";

    /// <summary>Where the analysis of a document is written in the output bucket: <c>results/{key}/{versionId}.json</c>.</summary>
    public const string ResultsPrefix = "results/";

    /// <summary>Where the batch worker writes chunk embeddings: <c>embeddings/{key}/{versionId}.jsonl</c>.</summary>
    public const string EmbeddingsPrefix = "embeddings/";

    /// <summary>
    /// The error type (the exception's type name, which the Lambda runtime client reports as <c>errorType</c>) that
    /// the analyze handler raises when Bedrock still throttles after the client's own retries; the state retries it later.
    /// </summary>
    public const string BedrockThrottledError = "BedrockThrottledException";

    /// <summary>
    /// Errors of the Lambda service itself, retried as AWS recommends for the <c>lambda:invoke</c> integration
    /// (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html), plus throttling.
    /// </summary>
    public static IReadOnlyList<string> LambdaServiceErrors { get; } =
    [
        "Lambda.ClientExecutionTimeoutException", "Lambda.ServiceException", "Lambda.AWSLambdaException",
        "Lambda.SdkClientException", "Lambda.TooManyRequestsException",
    ];

    /// <summary>
    /// Errors of ECS RunTask: service exceptions, and <c>AmazonECS.Unknown</c>, which the <c>.sync</c> integration raises
    /// when RunTask answers with failures such as missing Fargate capacity
    /// (https://docs.aws.amazon.com/step-functions/latest/dg/connect-ecs.html).
    /// </summary>
    public static IReadOnlyList<string> EcsServiceErrors { get; } = ["ECS.AmazonECSException", "AmazonECS.Unknown"];

    /// <summary>The names of the states, as they appear in the definition, the console and the execution history.</summary>
    public static class StateNames
    {
        public const string CheckUploadEvent = "CheckUploadEvent";
        public const string NotAVersionedUpload = "NotAVersionedUpload";
        public const string Preprocess = "Preprocess";
        public const string Route = "Route";
        public const string AlreadyProcessed = "AlreadyProcessed";
        public const string Analyze = "Analyze";
        public const string AnalyzeLargeDocument = "AnalyzeLargeDocument";
        public const string Store = "Store";
        public const string Completed = "Completed";
        public const string UnexpectedPreprocessStatus = "UnexpectedPreprocessStatus";
        public const string RecordFailure = "RecordFailure";
        public const string SendToDeadLetterQueue = "SendToDeadLetterQueue";
        public const string FailureRecorded = "FailureRecorded";
        public const string ResultRecordedBeforeTheError = "ResultRecordedBeforeTheError";
        public const string ProcessingFailed = "ProcessingFailed";
    }

    public HybridPipelineStack(Construct scope, string id, HybridPipelineStackProps? props = null)
        : base(scope, id, props ??= new HybridPipelineStackProps())
    {
        props.Validate();
        var model = BedrockModel.Parse(props.ModelId, props.InferenceProfileRegions);

        // Storage: uploads come into the input bucket, results and embeddings go to the output bucket, the table holds
        // one record per document version, and the dead-letter queue holds what could not be processed.
        var accessLogs = CreateAccessLogsBucket(props);
        var inputBucket = CreateInputBucket(props, accessLogs);
        var outputBucket = CreateOutputBucket(props, accessLogs);
        InputBucket = inputBucket;
        OutputBucket = outputBucket;
        Table = CreateTable(props);
        DeadLetterQueue = CreateDeadLetterQueue(props);
        AcknowledgeAutoDeleteProvider();
        var alarms = CreateAlarmTopic(props);
        AlarmTopic = alarms.Topic;

        // Each role is granted only the key prefixes it reads or writes.
        var objects = new DocumentObjects(
            Incoming: ObjectsUnder(inputBucket, props.IncomingPrefix),
            Results: ObjectsUnder(outputBucket, ResultsPrefix),
            Embeddings: ObjectsUnder(outputBucket, EmbeddingsPrefix));

        // The light path and the bookkeeping: four handlers of one Lambda executable.
        (PreprocessFunction, AnalyzeFunction, StoreFunction, RecordFailureFunction) = CreateFunctions(props, model, objects);

        // The heavy path: a Fargate task in private subnets.
        var worker = CreateWorker(props, model, objects);
        (Vpc, Cluster, WorkerTaskDefinition) = (worker.Vpc, worker.Cluster, worker.TaskDefinition);

        // The state machine that routes each document, and the events that start it and catch the ends no Catch sees.
        StateMachine = CreateStateMachine(props, worker);
        UploadQueue = CreateUploadQueue(props);
        ExecutionGateFunction = CreateExecutionGate(props, UploadQueue);
        StartThroughTheGate(props.IncomingPrefix, UploadQueue, ExecutionGateFunction);
        DeadLetterUnfinishedExecutions();

        AddAlarms(alarms);

        _ = new CfnOutput(this, "InputBucketName", new CfnOutputProps { Value = InputBucket.BucketName, Description = $"Upload documents under {props.IncomingPrefix} in this bucket." });
        _ = new CfnOutput(this, "OutputBucketName", new CfnOutputProps { Value = OutputBucket.BucketName, Description = $"Results under {ResultsPrefix}, embeddings under {EmbeddingsPrefix}." });
        _ = new CfnOutput(this, "TableName", new CfnOutputProps { Value = Table.TableName, Description = "One record per document version, key bucket#key#versionId." });
        _ = new CfnOutput(this, "DeadLetterQueueUrl", new CfnOutputProps { Value = DeadLetterQueue.QueueUrl, Description = "Inputs and causes of documents that could not be processed." });
        _ = new CfnOutput(this, "UploadQueueUrl", new CfnOutputProps { Value = UploadQueue.QueueUrl, Description = $"Uploads waiting for one of the {props.MaxRunningExecutions} execution slots." });
        _ = new CfnOutput(this, "StateMachineArn", new CfnOutputProps { Value = StateMachine.StateMachineArn });
        _ = new CfnOutput(this, "AlarmTopicArn", new CfnOutputProps { Value = AlarmTopic.TopicArn });
    }

    /// <summary>
    /// Execution statuses whose status-change events go to the dead-letter queue. TIMED_OUT and ABORTED are never seen
    /// by a Catch; FAILED is, except for <c>States.Runtime</c> and <c>States.DataLimitExceeded</c>, which
    /// <c>States.ALL</c> does not match (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
    /// An execution that RecordFailure did record also ends FAILED, so its document has two dead letters with the same
    /// execution ARN; the replay command treats them as one.
    /// </summary>
    public static IReadOnlyList<string> DeadLetteredExecutionStatuses { get; } = ["FAILED", "TIMED_OUT", "ABORTED"];

    public IBucket InputBucket { get; }

    public IBucket OutputBucket { get; }

    public ITable Table { get; }

    public IQueue DeadLetterQueue { get; }

    /// <summary>Uploads waiting for a free execution slot.</summary>
    public IQueue UploadQueue { get; }

    /// <summary>Starts executions from <see cref="UploadQueue"/> while fewer than <c>MaxRunningExecutions</c> run.</summary>
    public IFunction ExecutionGateFunction { get; }

    public ITopic AlarmTopic { get; }

    public IFunction PreprocessFunction { get; }

    public IFunction AnalyzeFunction { get; }

    public IFunction StoreFunction { get; }

    public IFunction RecordFailureFunction { get; }

    public IVpc Vpc { get; }

    public ICluster Cluster { get; }

    public FargateTaskDefinition WorkerTaskDefinition { get; }

    public IStateMachine StateMachine { get; }

    private static PolicyStatement Allow(string sid, string[] actions, params string[] resources) =>
        new(new PolicyStatementProps { Sid = sid, Actions = actions, Resources = resources });

    private string LogicalIdOf(IConstruct construct) => GetLogicalId((CfnElement)construct.Node.DefaultChild!);
}
