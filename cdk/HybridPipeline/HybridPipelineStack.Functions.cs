using Amazon.CDK.AWS.IAM;
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
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
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

    private sealed record PipelineFunctions(Function Preprocess, Function Analyze, Function Store, Function RecordFailure);
}
