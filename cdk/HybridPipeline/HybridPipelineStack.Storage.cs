using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SQS;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.HybridPipeline;

// Storage: everything here holds data. It is created in the stack's own scope, never inside a construct, so its
// logical ids (which a test pins) stay the same however the rest of the stack is arranged.
public sealed partial class HybridPipelineStack
{
    private Bucket CreateAccessLogsBucket(HybridPipelineStackProps props)
    {
        var bucket = new Bucket(this, "AccessLogsBucket", new BucketProps
        {
            Encryption = BucketEncryption.S3_MANAGED,
            EnforceSSL = true,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            LifecycleRules = [new LifecycleRule { Id = "ExpireAccessLogs", Expiration = Duration.Days(365) }],
            // Always retained, whatever DataRemovalPolicy says: S3 delivers access logs on a best-effort basis, late
            // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html#LogDeliveryBestEffort), so logs of
            // the last requests to the other buckets can arrive after this bucket was emptied, and its deletion fails
            // with BucketNotEmpty (https://github.com/aws/aws-cdk/issues/16332). The lifecycle rule above empties it.
            RemovalPolicy = RemovalPolicy.RETAIN,
        });
        NagAcknowledgements.Acknowledge(bucket, "AwsSolutions-S1", NagReasons.DocumentAccessLogBucket);
        return bucket;
    }

    private Bucket CreateInputBucket(HybridPipelineStackProps props, IBucket logs)
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
            // CloudFormation deletes only empty buckets; destroy means the documents (every version) go too.
            AutoDeleteObjects = DestroysData(props),
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

    private Bucket CreateOutputBucket(HybridPipelineStackProps props, IBucket logs) =>
        new(this, "OutputBucket", new BucketProps
        {
            Encryption = BucketEncryption.S3_MANAGED,
            EnforceSSL = true,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            ServerAccessLogsBucket = logs,
            ServerAccessLogsPrefix = "output/",
            RemovalPolicy = props.DataRemovalPolicy,
            AutoDeleteObjects = DestroysData(props),
        });

    private Table CreateTable(HybridPipelineStackProps props) =>
        new(this, "DocumentTable", new TableProps
        {
            PartitionKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = "pk", Type = AttributeType.STRING },
            BillingMode = BillingMode.PAY_PER_REQUEST,
            PointInTimeRecovery = true,
            Encryption = TableEncryption.AWS_MANAGED,
            RemovalPolicy = props.DataRemovalPolicy,
        });

    private Queue CreateDeadLetterQueue(HybridPipelineStackProps props)
    {
        var queue = new Queue(this, "DeadLetterQueue", new QueueProps
        {
            // The dead letters are the only record of what still needs a replay: kept whenever the data is.
            RemovalPolicy = props.DataRemovalPolicy,
            // SQS-managed keys: the state machine, EventBridge and the function can send without KMS grants.
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            // The longest SQS allows (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-basic-architecture.html).
            RetentionPeriod = Duration.Days(14),
        });
        NagAcknowledgements.Acknowledge(queue, "AwsSolutions-SQS3", NagReasons.DeadLetterQueue);
        NagAcknowledgements.Acknowledge(queue, "Serverless-SQSRedrivePolicy", NagReasons.DeadLetterQueue);
        return queue;
    }

    /// <summary>
    /// Uploads wait here until the execution gate has a free slot for them. An upload the gate cannot start after
    /// <see cref="UploadMaxReceives"/> receives (not an upload event, or StartExecution refusing it each time) moves to
    /// the dead-letter queue, where the replay command finds it.
    /// </summary>
    private Queue CreateUploadQueue(HybridPipelineStackProps props) =>
        new(this, "UploadQueue", new QueueProps
        {
            RemovalPolicy = props.DataRemovalPolicy,
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            RetentionPeriod = Duration.Days(14),
            DeadLetterQueue = new DeadLetterQueue { Queue = DeadLetterQueue, MaxReceiveCount = UploadMaxReceives },
        });

    /// <summary>Receives of one upload before the queue moves it to the dead-letter queue: the gate receives an upload only when a slot is free.</summary>
    public const int UploadMaxReceives = 10;

    private static bool DestroysData(HybridPipelineStackProps props) => props.DataRemovalPolicy == RemovalPolicy.DESTROY;

    /// <summary>
    /// With <c>AutoDeleteObjects</c> the CDK adds its own provider that empties the buckets when the stack is deleted.
    /// Its role and runtime are the CDK's, not this stack's, to choose.
    /// </summary>
    private void AcknowledgeAutoDeleteProvider()
    {
        if (Node.TryFindChild("Custom::S3AutoDeleteObjectsCustomResourceProvider") is not { } provider)
        {
            return;
        }

        NagAcknowledgements.Acknowledge(provider.Node.FindChild("Role"), "AwsSolutions-IAM4", NagReasons.AutoDeleteProviderManagedPolicy,
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
        NagAcknowledgements.Acknowledge(provider.Node.FindChild("Handler"), "Serverless-LambdaDLQ", NagReasons.AutoDeleteProviderInvocation);
        NagAcknowledgements.Acknowledge(provider.Node.FindChild("Handler"), "Serverless-LambdaTracing", NagReasons.AutoDeleteProviderTracing);
    }

    /// <summary>The objects under <paramref name="prefix"/>: the ARN to grant, and how cdk-nag names that grant's wildcard.</summary>
    private ObjectPrefix ObjectsUnder(Bucket bucket, string prefix) =>
        new(bucket.ArnForObjects(prefix + "*"), $"Resource::<{LogicalIdOf(bucket)}.Arn>/{prefix}*");

    private sealed record ObjectPrefix(string Arn, string Finding);

    /// <summary>The three key prefixes the pipeline's roles are granted: uploads, analysis results, embeddings.</summary>
    private sealed record DocumentObjects(ObjectPrefix Incoming, ObjectPrefix Results, ObjectPrefix Embeddings);
}
