using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Amazon.CDK.AWS.SQS;
using Amazon.CDK.AWS.StepFunctions;
using Amazon.CDK.AWS.StepFunctions.Tasks;
using Constructs;
using ReferenceArchitectures.Cdk.Constructs;
using ContainerDefinition = Amazon.CDK.AWS.ECS.ContainerDefinition;
using ContainerDefinitionOptions = Amazon.CDK.AWS.ECS.ContainerDefinitionOptions;
using ContainerOverride = Amazon.CDK.AWS.StepFunctions.Tasks.ContainerOverride;
using LogGroupProps = Amazon.CDK.AWS.Logs.LogGroupProps;
using TaskEnvironmentVariable = Amazon.CDK.AWS.StepFunctions.Tasks.TaskEnvironmentVariable;
using Timeout = Amazon.CDK.AWS.StepFunctions.Timeout;

namespace ReferenceArchitectures.Cdk.HybridPipeline;

/// <summary>
/// Pattern 4: an upload under <c>incoming/</c> starts a Standard state machine that preprocesses the document in
/// Lambda, analyzes small documents in Lambda and large ones in a Fargate task (ECS RunTask <c>.sync</c>), and
/// stores a record in DynamoDB. Every failure is recorded and sent to a dead-letter queue.
/// </summary>
public sealed class HybridPipelineStack : Stack
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
        public const string ProcessingFailed = "ProcessingFailed";
    }

    // Kept next to the grants they explain; the same texts are the cdk-nag acknowledgments' reasons.
    private const string XRayWildcardReason =
        "X-Ray PutTraceSegments and PutTelemetryRecords do not support resource-level permissions, so active tracing needs Resource '*' (https://docs.aws.amazon.com/xray/latest/devguide/security_iam_service-with-iam.html).";

    private const string ObjectPrefixReason =
        "Documents arrive under keys nobody knows in advance; the grant is limited to the one key prefix this role reads or writes.";

    private const string SyncIntegrationReason =
        "The ECS RunTask .sync integration needs these permissions as documented (https://docs.aws.amazon.com/step-functions/latest/dg/ecs-iam.html): "
        + "StopTask and DescribeTasks on tasks whose ids are not known in advance, and PutTargets/PutRule/DescribeRule on the managed rule StepFunctionsGetEventsForECSTaskRule.";

    private const string TaskDefinitionRevisionsReason =
        "The ECS RunTask integration is granted ecs:RunTask on every revision (':*') of the worker's task-definition family, so that a new revision deploys without a policy change; the family itself is fixed.";

    private const string FunctionVersionsReason =
        "The lambda:invoke integration is granted the function and its versions and aliases (ARN suffix ':*'); the function itself is fixed.";

    private const string LogDeliveryReason =
        "CloudWatch Logs delivery actions used by Step Functions logging do not support resource-level permissions (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-iam-policy).";

    private const string EcrTokenReason =
        "ecr:GetAuthorizationToken does not support resource-level permissions (https://docs.aws.amazon.com/AmazonECR/latest/userguide/security_iam_service-with-iam.html); image pulls are limited to the worker's repository.";

    public HybridPipelineStack(Construct scope, string id, HybridPipelineStackProps? props = null)
        : base(scope, id, props ??= new HybridPipelineStackProps())
    {
        props.Validate();
        var model = BedrockModel.Parse(props.ModelId, props.InferenceProfileRegions);
        var modelArns = model.InvocationResourceArns(this);
        var categories = string.Join(',', props.DocumentCategories);

        var accessLogs = CreateAccessLogsBucket();
        var inputBucket = CreateInputBucket(accessLogs);
        var outputBucket = CreateOutputBucket(accessLogs);
        InputBucket = inputBucket;
        OutputBucket = outputBucket;
        Table = CreateTable();
        DeadLetterQueue = CreateDeadLetterQueue();
        AlarmTopic = CreateAlarmTopic();

        var incomingObjects = ObjectsUnder(inputBucket, props.IncomingPrefix);
        var resultObjects = ObjectsUnder(outputBucket, ResultsPrefix);
        var embeddingObjects = ObjectsUnder(outputBucket, EmbeddingsPrefix);

        // All four functions are one executable; one Code object means one asset and one build.
        var architecture = props.Architecture.ToLambda();
        var code = props.FunctionCode ?? DotNetAotCode.FromProject(this, new DotNetAotCodeOptions(FunctionProjectPath, architecture));
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["OUTPUT_BUCKET"] = OutputBucket.BucketName,
            ["TABLE_NAME"] = Table.TableName,
            ["BEDROCK_MODEL_ID"] = model.ModelId,
            ["DOCUMENT_CATEGORIES"] = categories,
        };

        PreprocessFunction = CreateFunction("PreprocessFunction", PreprocessHandler, props.PreprocessTimeoutSeconds, props.StepMemorySizeMb,
            "Detects a document's type, measures it and claims it in the table.",
            [
                Allow("ReadIncomingDocuments", ["s3:GetObject", "s3:GetObjectVersion"], incomingObjects.Arn),
                Allow("ClaimDocument", ["dynamodb:PutItem", "dynamodb:GetItem"], Table.TableArn),
            ],
            [incomingObjects.Finding]);
        AnalyzeFunction = CreateFunction("AnalyzeFunction", AnalyzeHandler, props.AnalyzeTimeoutSeconds, props.AnalyzeMemorySizeMb,
            "Extracts, chunks and analyzes a light document with Bedrock; writes the result JSON.",
            [
                Allow("ReadIncomingDocuments", ["s3:GetObject", "s3:GetObjectVersion"], incomingObjects.Arn),
                Allow("WriteResults", ["s3:PutObject"], resultObjects.Arn),
                Allow("InvokeConfiguredModel", ["bedrock:InvokeModel"], [.. modelArns]),
            ],
            [incomingObjects.Finding, resultObjects.Finding]);
        StoreFunction = CreateFunction("StoreFunction", StoreHandler, props.StoreTimeoutSeconds, props.StepMemorySizeMb,
            "Reads the result JSON and completes the document's record.",
            [
                Allow("ReadResults", ["s3:GetObject"], resultObjects.Arn),
                Allow("CompleteRecord", ["dynamodb:UpdateItem", "dynamodb:GetItem"], Table.TableArn),
            ],
            [resultObjects.Finding]);
        RecordFailureFunction = CreateFunction("RecordFailureFunction", RecordFailureHandler, props.RecordFailureTimeoutSeconds, props.StepMemorySizeMb,
            "Marks the document FAILED and sends the input and the cause to the dead-letter queue.",
            [
                Allow("MarkFailed", ["dynamodb:UpdateItem", "dynamodb:GetItem"], Table.TableArn),
                Allow("SendDeadLetter", ["sqs:SendMessage"], DeadLetterQueue.QueueArn),
            ],
            [],
            new Dictionary<string, string>(StringComparer.Ordinal) { ["DEAD_LETTER_QUEUE_URL"] = DeadLetterQueue.QueueUrl });

        (Vpc, Cluster, WorkerTaskDefinition, var workerContainer, var workerSecurityGroup) = CreateWorker(incomingObjects, resultObjects, embeddingObjects, modelArns, categories);

        StateMachine = CreateStateMachine(workerContainer, workerSecurityGroup);
        StartOnUpload();
        DeadLetterUnfinishedExecutions();
        AddAlarms();

        _ = new CfnOutput(this, "InputBucketName", new CfnOutputProps { Value = InputBucket.BucketName, Description = $"Upload documents under {props.IncomingPrefix} in this bucket." });
        _ = new CfnOutput(this, "OutputBucketName", new CfnOutputProps { Value = OutputBucket.BucketName, Description = $"Results under {ResultsPrefix}, embeddings under {EmbeddingsPrefix}." });
        _ = new CfnOutput(this, "TableName", new CfnOutputProps { Value = Table.TableName, Description = "One record per document version, key bucket#key#versionId." });
        _ = new CfnOutput(this, "DeadLetterQueueUrl", new CfnOutputProps { Value = DeadLetterQueue.QueueUrl, Description = "Inputs and causes of documents that could not be processed." });
        _ = new CfnOutput(this, "StateMachineArn", new CfnOutputProps { Value = StateMachine.StateMachineArn });
        _ = new CfnOutput(this, "AlarmTopicArn", new CfnOutputProps { Value = AlarmTopic.TopicArn });

        Bucket CreateAccessLogsBucket()
        {
            var bucket = new Bucket(this, "AccessLogsBucket", new BucketProps
            {
                Encryption = BucketEncryption.S3_MANAGED,
                EnforceSSL = true,
                BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
                ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
                LifecycleRules = [new LifecycleRule { Id = "ExpireAccessLogs", Expiration = Duration.Days(365) }],
                RemovalPolicy = props.DataRemovalPolicy,
            });
            NagAcknowledgements.Acknowledge(bucket, "AwsSolutions-S1",
                "This bucket receives the server access logs of the input and output buckets; logging it into itself would loop.");
            return bucket;
        }

        Bucket CreateInputBucket(IBucket logs)
        {
            var bucket = new Bucket(this, "InputBucket", new BucketProps
            {
                Encryption = BucketEncryption.S3_MANAGED,
                EnforceSSL = true,
                BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
                ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
                // Versions make every upload a distinct document (bucket#key#versionId), so re-uploading a key is new work
                // and a re-delivered event for the same version is recognised as a duplicate.
                Versioned = true,
                ServerAccessLogsBucket = logs,
                ServerAccessLogsPrefix = "input/",
                LifecycleRules =
                [
                    new LifecycleRule
                    {
                        Id = "ExpireNoncurrentVersions",
                        NoncurrentVersionExpiration = Duration.Days(props.NoncurrentVersionExpirationDays),
                        AbortIncompleteMultipartUploadAfter = Duration.Days(7),
                    },
                ],
                RemovalPolicy = props.DataRemovalPolicy,
            });

            // BucketProps.EventBridgeEnabled configures notifications through a custom-resource Lambda function;
            // CloudFormation sets the same thing natively on the bucket.
            var cfnBucket = (CfnBucket)bucket.Node.DefaultChild!;
            cfnBucket.NotificationConfiguration = new CfnBucket.NotificationConfigurationProperty
            {
                EventBridgeConfiguration = new CfnBucket.EventBridgeConfigurationProperty { EventBridgeEnabled = true },
            };
            return bucket;
        }

        Bucket CreateOutputBucket(IBucket logs) =>
            new(this, "OutputBucket", new BucketProps
            {
                Encryption = BucketEncryption.S3_MANAGED,
                EnforceSSL = true,
                BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
                ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
                ServerAccessLogsBucket = logs,
                ServerAccessLogsPrefix = "output/",
                RemovalPolicy = props.DataRemovalPolicy,
            });

        Table CreateTable() =>
            new(this, "DocumentTable", new TableProps
            {
                PartitionKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = "pk", Type = AttributeType.STRING },
                BillingMode = BillingMode.PAY_PER_REQUEST,
                PointInTimeRecovery = true,
                Encryption = TableEncryption.AWS_MANAGED,
                RemovalPolicy = props.DataRemovalPolicy,
            });

        Queue CreateDeadLetterQueue()
        {
            var queue = new Queue(this, "DeadLetterQueue", new QueueProps
            {
                // SQS-managed keys: the state machine, EventBridge and the function can send without KMS grants.
                Encryption = QueueEncryption.SQS_MANAGED,
                EnforceSSL = true,
                // The longest SQS allows (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-basic-architecture.html).
                RetentionPeriod = Duration.Days(14),
            });
            NagAcknowledgements.Acknowledge(queue, "AwsSolutions-SQS3",
                "This queue is the pipeline's dead-letter destination: the state machine, the record-failure function and EventBridge send to it directly.");
            return queue;
        }

        Topic CreateAlarmTopic()
        {
            var key = new Key(this, "AlarmTopicKey", new KeyProps
            {
                Description = "Encrypts the alarm notifications of the hybrid document pipeline.",
                EnableKeyRotation = true,
                // Nothing outlives the topic that this key encrypts; deletion waits the default 30 days.
                RemovalPolicy = RemovalPolicy.DESTROY,
            });

            // CloudWatch publishes alarm notifications to the encrypted topic, so it must use the key
            // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
            key.Grant(new ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*");
            var topic = new Topic(this, "AlarmTopic", new TopicProps { DisplayName = "Hybrid document pipeline alarms", MasterKey = key });

            // TopicProps.EnforceSSL is ignored by CDK 2.160, so the SSL-only statement is written out.
            topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "AllowPublishThroughSSLOnly",
                Effect = Effect.DENY,
                Principals = [new AnyPrincipal()],
                Actions = ["sns:Publish"],
                Resources = [topic.TopicArn],
                Conditions = new Dictionary<string, object> { ["Bool"] = new Dictionary<string, object> { ["aws:SecureTransport"] = "false" } },
            }));
            if (props.AlarmEmail is { } email)
            {
                topic.AddSubscription(new EmailSubscription(email));
            }

            return topic;
        }

        Function CreateFunction(string name, string handler, int timeoutSeconds, int memorySizeMb, string description,
            PolicyStatement[] statements, string[] prefixFindings, IReadOnlyDictionary<string, string>? extraEnvironment = null)
        {
            var logGroup = new LogGroup(this, name + "Logs", new LogGroupProps { Retention = props.LogRetention, RemovalPolicy = props.LogRemovalPolicy });

            // An explicit role per function instead of the managed AWSLambdaBasicExecutionRole, which may
            // write to any log group in the account.
            var role = new Role(this, name + "Role", new RoleProps
            {
                AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
                Description = $"Runs the {handler} step of the document pipeline: its own log group, X-Ray, and only what the step needs.",
            });
            role.AddToPrincipalPolicy(Allow("WriteOwnLogGroup", ["logs:CreateLogStream", "logs:PutLogEvents"], logGroup.LogGroupArn));
            foreach (var statement in statements)
            {
                role.AddToPrincipalPolicy(statement);
            }

            var functionEnvironment = new Dictionary<string, string>(environment, StringComparer.Ordinal);
            foreach (var (key, value) in extraEnvironment ?? new Dictionary<string, string>())
            {
                functionEnvironment[key] = value;
            }

            var function = new Function(this, name, new FunctionProps
            {
                Description = description,
                Runtime = Runtime.PROVIDED_AL2023,
                Handler = handler,
                Code = code,
                Architecture = architecture,
                MemorySize = memorySizeMb,
                Timeout = Duration.Seconds(timeoutSeconds),
                Environment = functionEnvironment,
                Role = role,
                Tracing = Tracing.ACTIVE,
                LoggingFormat = LoggingFormat.JSON,
                LogGroup = logGroup,
            });

            // Tracing adds its X-Ray statement to the role's default policy while the function is built.
            var policy = role.Node.FindChild("DefaultPolicy").Node.FindChild("Resource");
            NagAcknowledgements.Acknowledge(policy, "AwsSolutions-IAM5", XRayWildcardReason, "Resource::*");
            if (prefixFindings.Length > 0)
            {
                NagAcknowledgements.Acknowledge(policy, "AwsSolutions-IAM5", ObjectPrefixReason, prefixFindings);
            }

            return function;
        }

        (IVpc, ICluster, FargateTaskDefinition, ContainerDefinition, ISecurityGroup) CreateWorker(
            ObjectPrefix incoming, ObjectPrefix results, ObjectPrefix embeddings, IReadOnlyList<string> bedrockArns, string documentCategories)
        {
            // The container patterns' network; the worker needs the internet (through NAT) for Bedrock's endpoint.
            var network = new ServiceNetwork(this, "Network", new ServiceNetworkOptions(PrivateEgress.NatGateways, props.NatGateways, props.LogRetention, props.LogRemovalPolicy));
            var vpc = network.Vpc;
            // Document reads and result writes stay off the NAT gateway (and its per-GB charge).
            vpc.AddGatewayEndpoint("S3Endpoint", new GatewayVpcEndpointOptions { Service = GatewayVpcEndpointAwsService.S3, Subnets = [ServiceNetwork.PrivateSubnets] });

            var cluster = new Cluster(this, "WorkerCluster", new ClusterProps { Vpc = vpc, ContainerInsights = true });

            var taskRole = new Role(this, "WorkerTaskRole", new RoleProps
            {
                AssumedBy = new ServicePrincipal("ecs-tasks.amazonaws.com"),
                Description = "The batch worker: reads incoming documents, writes results and embeddings, invokes the configured model.",
            });
            taskRole.AddToPrincipalPolicy(Allow("ReadIncomingDocuments", ["s3:GetObject", "s3:GetObjectVersion"], incoming.Arn));
            taskRole.AddToPrincipalPolicy(Allow("WriteResultsAndEmbeddings", ["s3:PutObject"], results.Arn, embeddings.Arn));
            taskRole.AddToPrincipalPolicy(Allow("InvokeConfiguredModel", ["bedrock:InvokeModel"], [.. bedrockArns]));
            NagAcknowledgements.Acknowledge(taskRole.Node.FindChild("DefaultPolicy").Node.FindChild("Resource"), "AwsSolutions-IAM5",
                ObjectPrefixReason, incoming.Finding, results.Finding, embeddings.Finding);

            var taskDefinition = new FargateTaskDefinition(this, "WorkerTask", new FargateTaskDefinitionProps
            {
                Cpu = props.WorkerCpu,
                MemoryLimitMiB = props.WorkerMemoryMiB,
                TaskRole = taskRole,
                RuntimePlatform = new RuntimePlatform { CpuArchitecture = CpuArchitecture.X86_64, OperatingSystemFamily = OperatingSystemFamily.LINUX },
            });
            var workerLogs = new LogGroup(this, "WorkerLogs", new LogGroupProps { Retention = props.LogRetention, RemovalPolicy = props.LogRemovalPolicy });
            var container = taskDefinition.AddContainer(WorkerContainerName, new ContainerDefinitionOptions
            {
                Image = props.WorkerImage ?? DockerfileImage.FromDockerfile(WorkerDockerfile, Amazon.CDK.AWS.Ecr.Assets.Platform_.LINUX_AMD64),
                Logging = LogDriver.AwsLogs(new AwsLogDriverProps { LogGroup = workerLogs, StreamPrefix = "worker" }),
                Environment = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["OUTPUT_BUCKET"] = OutputBucket.BucketName,
                    ["BEDROCK_MODEL_ID"] = model.ModelId,
                    ["DOCUMENT_CATEGORIES"] = documentCategories,
                    ["MAX_PARALLEL_CALLS"] = props.WorkerMaxParallelCalls.ToString(CultureInfo.InvariantCulture),
                },
            });
            NagAcknowledgements.Acknowledge(taskDefinition, "AwsSolutions-ECS2",
                "The environment holds only non-secret settings (bucket name, model id, categories, parallelism); the document comes per task as container overrides.");

            // The execution role pulls the image and writes the log stream; the CDK creates it with the grants it needs.
            var executionPolicy = taskDefinition.ExecutionRole!.Node.TryFindChild("DefaultPolicy")?.Node.TryFindChild("Resource");
            if (executionPolicy is not null)
            {
                NagAcknowledgements.Acknowledge(executionPolicy, "AwsSolutions-IAM5", EcrTokenReason, "Resource::*");
            }

            var securityGroup = new SecurityGroup(this, "WorkerSecurityGroup", new SecurityGroupProps
            {
                Vpc = vpc,
                Description = "Batch worker tasks: no inbound traffic; outbound HTTPS to S3, Bedrock, ECR and CloudWatch Logs.",
                AllowAllOutbound = false,
            });
            securityGroup.AddEgressRule(Peer.AnyIpv4(), Port.Tcp(443), "HTTPS to AWS APIs");
            return (vpc, cluster, taskDefinition, container, securityGroup);
        }

        StateMachine CreateStateMachine(ContainerDefinition workerContainer, ISecurityGroup workerSecurityGroup)
        {
            var recordFailure = LambdaStep(StateNames.RecordFailure, RecordFailureFunction, props.RecordFailureTimeoutSeconds,
                // The execution's input rather than the current state: a failure in Preprocess leaves no $.document,
                // and the S3 event identifies the document in every case.
                TaskInput.FromObject(new Dictionary<string, object>
                {
                    ["executionId"] = JsonPath.StringAt("$$.Execution.Id"),
                    ["detail"] = JsonPath.StringAt("$$.Execution.Input.detail"),
                    ["input"] = JsonPath.StringAt("$$.Execution.Input"),
                    ["failure"] = JsonPath.StringAt("$.failure"),
                }),
                new Dictionary<string, object> { ["recorded"] = JsonPath.StringAt("$.Payload") },
                "$.recorded");
            // Recording a failure is idempotent (a conditional update and a dead letter keyed by execution), so any
            // error of its own is worth a few more attempts before the last resort below.
            recordFailure.AddRetry(new RetryProps { Errors = [Errors.ALL], Interval = Duration.Seconds(5), BackoffRate = 2, MaxAttempts = 2, MaxDelay = Duration.Seconds(60), JitterStrategy = JitterType.FULL });

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
                TaskTimeout = Timeout.Duration(Duration.Seconds(60)),
            });
            sendToDeadLetterQueue.AddRetry(new RetryProps { Errors = [Errors.ALL], Interval = Duration.Seconds(2), BackoffRate = 2, MaxAttempts = 5, MaxDelay = Duration.Seconds(60), JitterStrategy = JitterType.FULL });
            var processingFailed = new Fail(this, StateNames.ProcessingFailed, new FailProps
            {
                Error = "DocumentProcessingFailed",
                Cause = "The document could not be processed; its record is FAILED and its input is in the dead-letter queue.",
            });
            recordFailure.AddCatch(sendToDeadLetterQueue, new CatchProps { Errors = [Errors.ALL], ResultPath = "$.recordFailureError" });
            recordFailure.Next(processingFailed);
            sendToDeadLetterQueue.Next(processingFailed);

            var preprocess = LambdaStep(StateNames.Preprocess, PreprocessFunction, props.PreprocessTimeoutSeconds,
                TaskInput.FromObject(new Dictionary<string, object>
                {
                    ["bucket"] = JsonPath.StringAt("$.detail.bucket.name"),
                    ["key"] = JsonPath.StringAt("$.detail.object.key"),
                    ["versionId"] = JsonPath.StringAt("$.detail.object.version-id"),
                    ["size"] = JsonPath.NumberAt("$.detail.object.size"),
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
            analyze.AddRetry(new RetryProps { Errors = [BedrockThrottledError], Interval = Duration.Seconds(20), BackoffRate = 2, MaxAttempts = 3, MaxDelay = Duration.Seconds(120), JitterStrategy = JitterType.FULL });

            var analyzeLarge = new EcsRunTask(this, StateNames.AnalyzeLargeDocument, new EcsRunTaskProps
            {
                IntegrationPattern = IntegrationPattern.RUN_JOB,
                Cluster = Cluster,
                TaskDefinition = WorkerTaskDefinition,
                LaunchTarget = new EcsFargateLaunchTarget(new EcsFargateLaunchTargetOptions { PlatformVersion = FargatePlatformVersion.LATEST }),
                AssignPublicIp = false,
                Subnets = ServiceNetwork.PrivateSubnets,
                SecurityGroups = [workerSecurityGroup],
                ContainerOverrides =
                [
                    new ContainerOverride
                    {
                        ContainerDefinition = workerContainer,
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
            analyzeLarge.AddRetry(new RetryProps { Errors = [.. EcsServiceErrors], Interval = Duration.Seconds(10), BackoffRate = 2, MaxAttempts = 5, MaxDelay = Duration.Seconds(300), JitterStrategy = JitterType.FULL });
            // Fargate start-up failures (ResourceInitializationError, CannotPullContainerError) and a crashed worker both
            // surface as States.TaskFailed; one more run separates a passing fault from a document that always fails.
            analyzeLarge.AddRetry(new RetryProps { Errors = [Errors.TASKS_FAILED], Interval = Duration.Seconds(30), BackoffRate = 2, MaxAttempts = 1, MaxDelay = Duration.Seconds(60), JitterStrategy = JitterType.FULL });
            analyzeLarge.AddCatch(recordFailure, new CatchProps { Errors = [Errors.ALL], ResultPath = "$.failure" });

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
            var route = new Choice(this, StateNames.Route)
                .When(Condition.StringEquals("$.document.status", "duplicate"), new Succeed(this, StateNames.AlreadyProcessed, new SucceedProps { Comment = "Another delivery of this document version claimed it first." }))
                .When(Condition.StringEquals("$.document.status", "rejected"), store)
                .When(light, analyze)
                .When(accepted, analyzeLarge)
                .Otherwise(unexpected);
            analyze.Next(store);
            analyzeLarge.Next(store);
            store.Next(new Succeed(this, StateNames.Completed));

            var logGroup = new LogGroup(this, "StateMachineLogs", new LogGroupProps { Retention = props.LogRetention, RemovalPolicy = props.LogRemovalPolicy });
            var stateMachine = new StateMachine(this, "DocumentPipeline", new StateMachineProps
            {
                Comment = "Hybrid document pipeline: Lambda for light documents, a Fargate task for large ones.",
                DefinitionBody = DefinitionBody.FromChainable(preprocess.Next(route)),
                StateMachineType = StateMachineType.STANDARD,
                Timeout = Duration.Minutes(props.ExecutionTimeoutMinutes),
                TracingEnabled = true,
                Logs = new LogOptions { Destination = logGroup, Level = LogLevel.ALL, IncludeExecutionData = true },
            });

            var policy = stateMachine.Role.Node.FindChild("DefaultPolicy").Node.FindChild("Resource");
            NagAcknowledgements.Acknowledge(policy, "AwsSolutions-IAM5", XRayWildcardReason + " " + LogDeliveryReason + " " + SyncIntegrationReason, "Resource::*");
            NagAcknowledgements.Acknowledge(policy, "AwsSolutions-IAM5", FunctionVersionsReason,
                [.. new[] { PreprocessFunction, AnalyzeFunction, StoreFunction, RecordFailureFunction }.Select(function => $"Resource::<{LogicalIdOf(function)}.Arn>:*")]);
            NagAcknowledgements.Acknowledge(policy, "AwsSolutions-IAM5", SyncIntegrationReason,
                "Resource::arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/StepFunctionsGetEventsForECSTaskRule");
            NagAcknowledgements.Acknowledge(policy, "AwsSolutions-IAM5", TaskDefinitionRevisionsReason, TaskDefinitionRevisionsFinding(LogicalIdOf(WorkerTaskDefinition)));
            return stateMachine;
        }

        LambdaInvoke LambdaStep(string stateName, IFunction function, int functionTimeoutSeconds, TaskInput payload,
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
                TaskTimeout = Timeout.Duration(Duration.Seconds(functionTimeoutSeconds + 10)),
            });
            step.AddRetry(new RetryProps { Errors = [.. LambdaServiceErrors], Interval = Duration.Seconds(2), BackoffRate = 2, MaxAttempts = 6, MaxDelay = Duration.Seconds(60), JitterStrategy = JitterType.FULL });
            if (onFailure is not null)
            {
                step.AddCatch(onFailure, new CatchProps { Errors = [Errors.ALL], ResultPath = "$.failure" });
            }

            return step;
        }

        void StartOnUpload()
        {
            var rule = new Rule(this, "DocumentUploaded", new RuleProps
            {
                Description = $"Starts the document pipeline for every object created under {props.IncomingPrefix}.",
                EventPattern = new EventPattern
                {
                    Source = ["aws.s3"],
                    DetailType = ["Object Created"],
                    Detail = new Dictionary<string, object>
                    {
                        ["bucket"] = new Dictionary<string, object> { ["name"] = new[] { InputBucket.BucketName } },
                        ["object"] = new Dictionary<string, object> { ["key"] = new object[] { new Dictionary<string, object> { ["prefix"] = props.IncomingPrefix } } },
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

        void DeadLetterUnfinishedExecutions()
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

        void AddAlarms()
        {
            var minute = Duration.Minutes(1);
            AddAlarm("ExecutionsFailed", StateMachine.MetricFailed(new MetricOptions { Period = minute, Statistic = Stats.SUM }),
                "Document pipeline executions failed; their inputs are in the dead-letter queue.");
            AddAlarm("ExecutionsTimedOut", StateMachine.MetricTimedOut(new MetricOptions { Period = minute, Statistic = Stats.SUM }),
                "Document pipeline executions timed out; their inputs are in the dead-letter queue.");
            AddAlarm("DeadLettersWaiting", DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Period = minute, Statistic = Stats.MAXIMUM }),
                "Documents wait in the dead-letter queue for someone to look at them.");
        }

        void AddAlarm(string alarmId, IMetric metric, string description)
        {
            var alarm = new Alarm(this, alarmId, new AlarmProps
            {
                Metric = metric,
                Threshold = 1,
                EvaluationPeriods = 1,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                // No traffic is not a failure.
                TreatMissingData = TreatMissingData.NOT_BREACHING,
                AlarmDescription = description,
            });
            alarm.AddAlarmAction(new SnsAction(AlarmTopic));
        }

        ObjectPrefix ObjectsUnder(Bucket bucket, string prefix) =>
            new(bucket.ArnForObjects(prefix + "*"), $"Resource::<{LogicalIdOf(bucket)}.Arn>/{prefix}*");
    }

    /// <summary>Execution statuses that no Catch can see; their status-change events go to the dead-letter queue.</summary>
    public static IReadOnlyList<string> UnrecordedExecutionStatuses { get; } = ["TIMED_OUT", "ABORTED"];

    public IBucket InputBucket { get; }

    public IBucket OutputBucket { get; }

    public ITable Table { get; }

    public IQueue DeadLetterQueue { get; }

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

    /// <summary>
    /// How cdk-nag names the RunTask grant: the task definition ARN split apart by the CDK to replace its revision with '*'.
    /// </summary>
    private static string TaskDefinitionRevisionsFinding(string taskDefinitionId)
    {
        string Part(int index) => $"{{\"Fn::Select\":[{index},{{\"Fn::Split\":[\":\",{{\"Ref\":\"{taskDefinitionId}\"}}]}}]}}";
        string NamePart(int index) => $"{{\"Fn::Select\":[{index},{{\"Fn::Split\":[\"/\",{Part(5)}]}}]}}";
        return $"Resource::arn:{Part(1)}:{Part(2)}:{Part(3)}:{Part(4)}:{NamePart(0)}/{NamePart(1)}:*";
    }

    private string LogicalIdOf(IConstruct construct) => GetLogicalId((CfnElement)construct.Node.DefaultChild!);

    private sealed record ObjectPrefix(string Arn, string Finding);
}
