using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.SQS;
using Amazon.CDK.AWS.Lambda;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.HybridPipeline;

// Functions: the four Lambda steps. Each has its own role, granted only the prefixes, table actions and model it needs.
public sealed partial class HybridPipelineStack
{
    // Every read of an upload names the version the event carried, which S3 authorizes as s3:GetObjectVersion alone
    // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "Permissions"); s3:GetObject would go unused.
    private static readonly string[] ReadIncomingVersion = ["s3:GetObjectVersion"];

    private PipelineFunctions CreateFunctions(HybridPipelineStackProps props, BedrockModel model, DocumentObjects objects)
    {
        // All four functions are one executable; one Code object means one asset and one build.
        var architecture = props.Architecture.ToLambda();
        var code = props.FunctionCode ?? DotNetAotCode.FromProject(this, new DotNetAotCodeOptions(FunctionProjectPath, architecture));
        _functionCode = code;
        var environment = _functionEnvironment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["OUTPUT_BUCKET"] = OutputBucket.BucketName,
            ["TABLE_NAME"] = Table.TableName,
            ["BEDROCK_MODEL_ID"] = model.ModelId,
            ["DOCUMENT_CATEGORIES"] = string.Join(',', props.DocumentCategories),
        };

        var preprocess = Step("PreprocessFunction", PreprocessHandler, props.PreprocessTimeoutSeconds, props.StepMemorySizeMb,
            "Detects a document's type, measures it and claims it in the table.",
            [
                Allow("ReadIncomingDocuments", ReadIncomingVersion, objects.Incoming.Arn),
                // The claim is one conditional PutItem; a refused claim is not read back.
                Allow("ClaimDocument", ["dynamodb:PutItem"], Table.TableArn),
            ],
            [objects.Incoming],
            // A claim older than the execution timeout belongs to an execution Step Functions has stopped.
            ("EXECUTION_TIMEOUT_SECONDS", (props.EffectiveExecutionTimeoutMinutes * 60).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var analyze = Step("AnalyzeFunction", AnalyzeHandler, props.AnalyzeTimeoutSeconds, props.AnalyzeMemorySizeMb,
            "Extracts, chunks and analyzes a light document with Bedrock; writes the result JSON.",
            [
                Allow("ReadIncomingDocuments", ReadIncomingVersion, objects.Incoming.Arn),
                Allow("WriteResults", ["s3:PutObject"], objects.Results.Arn),
                Allow("InvokeConfiguredModel", ["bedrock:InvokeModel"], [.. model.InvocationResourceArns(this)]),
            ],
            [objects.Incoming, objects.Results]);
        var store = Step("StoreFunction", StoreHandler, props.StoreTimeoutSeconds, props.StepMemorySizeMb,
            "Reads the result JSON and completes the document's record.",
            [
                Allow("ReadResults", ["s3:GetObject"], objects.Results.Arn),
                Allow("CompleteRecord", ["dynamodb:UpdateItem", "dynamodb:GetItem"], Table.TableArn),
            ],
            [objects.Results]);
        var recordFailure = Step("RecordFailureFunction", RecordFailureHandler, props.RecordFailureTimeoutSeconds, props.StepMemorySizeMb,
            "Marks the document FAILED and sends the input and the cause to the dead-letter queue.",
            [
                Allow("MarkFailed", ["dynamodb:UpdateItem", "dynamodb:GetItem"], Table.TableArn),
                Allow("SendDeadLetter", ["sqs:SendMessage"], DeadLetterQueue.QueueArn),
            ],
            [],
            ("DEAD_LETTER_QUEUE_URL", DeadLetterQueue.QueueUrl));
        return new PipelineFunctions(preprocess, analyze, store, recordFailure);

        Function Step(string id, string handler, int timeoutSeconds, int memorySizeMb, string description,
            PolicyStatement[] statements, ObjectPrefix[] prefixes, params (string Name, string Value)[] extraEnvironment)
        {
            var stepEnvironment = new Dictionary<string, string>(environment, StringComparer.Ordinal);
            foreach (var (name, value) in extraEnvironment)
            {
                stepEnvironment[name] = value;
            }

            var function = TracedFunction.AddTo(this, id, new TracedFunctionOptions
            {
                Code = code,
                Architecture = architecture,
                Handler = handler,
                Description = description,
                RoleDescription = $"Runs the {handler} step of the document pipeline: its own log group, X-Ray, and only what the step needs.",
                MemorySizeMb = memorySizeMb,
                TimeoutSeconds = timeoutSeconds,
                Environment = stepEnvironment,
                Statements = statements,
                LogRetention = props.LogRetention,
                LogRemovalPolicy = props.LogRemovalPolicy,
            });
            if (prefixes.Length > 0)
            {
                NagAcknowledgements.Acknowledge(function.Policy, "AwsSolutions-IAM5", NagReasons.DocumentObjectPrefix, [.. prefixes.Select(prefix => prefix.Finding)]);
            }

            // Every step is a Task state's synchronous invoke; the state machine retries, catches and records failures.
            NagAcknowledgements.Acknowledge(function.Function, "Serverless-LambdaDLQ", NagReasons.SynchronousInvocation);
            return function.Function;
        }
    }

    private Code? _functionCode;
    private Dictionary<string, string>? _functionEnvironment;

    /// <summary>
    /// The execution gate: the same executable's <c>start-executions</c> handler, invoked asynchronously by EventBridge
    /// for uploads, execution ends and a one-minute schedule. One instance at a time (reserved concurrency 1): the slots
    /// are safe under races anyway (conditional writes), but a single drainer never receives an upload it then has to
    /// put back.
    /// </summary>
    private Function CreateExecutionGate(HybridPipelineStackProps props, IQueue uploads)
    {
        var environment = new Dictionary<string, string>(_functionEnvironment!, StringComparer.Ordinal)
        {
            ["UPLOAD_QUEUE_URL"] = uploads.QueueUrl,
            ["STATE_MACHINE_ARN"] = StateMachine.StateMachineArn,
            ["MAX_RUNNING_EXECUTIONS"] = props.MaxRunningExecutions.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        // Pseudo parameters rather than the stack's Region and account: the same grant, and the same cdk-nag finding to
        // acknowledge, whether the stack is environment-agnostic or pinned.
        var executions = $"arn:{Aws.PARTITION}:states:{Aws.REGION}:{Aws.ACCOUNT_ID}:execution:{((Amazon.CDK.AWS.StepFunctions.StateMachine)StateMachine).StateMachineName}:*";
        var gate = TracedFunction.AddTo(this, "ExecutionGateFunction", new TracedFunctionOptions
        {
            Code = _functionCode!,
            Architecture = props.Architecture.ToLambda(),
            Handler = StartExecutionsHandler,
            Description = $"Starts a document pipeline execution per queued upload while fewer than {props.MaxRunningExecutions} run.",
            RoleDescription = "Runs the execution gate of the document pipeline: the upload queue, the slots item of the table, and the state machine's executions.",
            MemorySizeMb = props.StepMemorySizeMb,
            TimeoutSeconds = ExecutionGateTimeoutSeconds,
            ReservedConcurrentExecutions = 1,
            Environment = environment,
            Statements =
            [
                Allow("ReceiveUploads", ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"], uploads.QueueArn),
                // Only the slots item: dynamodb:LeadingKeys is the partition key of the item a request touches
                // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html).
                new PolicyStatement(new PolicyStatementProps
                {
                    Sid = "TakeAndFreeSlots",
                    Actions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
                    Resources = [Table.TableArn],
                    Conditions = new Dictionary<string, object>
                    {
                        ["ForAllValues:StringEquals"] = new Dictionary<string, object> { ["dynamodb:LeadingKeys"] = new[] { ExecutionSlotsKey } },
                    },
                }),
                Allow("StartExecutions", ["states:StartExecution"], StateMachine.StateMachineArn),
                Allow("CheckSlotHolders", ["states:DescribeExecution"], executions),
            ],
            LogRetention = props.LogRetention,
            LogRemovalPolicy = props.LogRemovalPolicy,
        });
        NagAcknowledgements.Acknowledge(gate.Policy, "AwsSolutions-IAM5", NagReasons.GateExecutions,
            $"Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<{LogicalIdOf(StateMachine)}.Name>:*");
        NagAcknowledgements.Acknowledge(gate.Function, "Serverless-LambdaDLQ", NagReasons.GateInvocation);
        return gate.Function;
    }

    /// <summary>The gate's timeout: a drain starts at most <c>MaxRunningExecutions</c> executions, a few calls each.</summary>
    public const int ExecutionGateTimeoutSeconds = 60;

    /// <summary>The partition key of the slots item (ExecutionSlots.ItemKey, which this project does not reference).</summary>
    public const string ExecutionSlotsKey = "#execution-slots";

    private sealed record PipelineFunctions(Function Preprocess, Function Analyze, Function Store, Function RecordFailure);
}
