namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>
/// Every reason this app gives cdk-nag for accepting a finding, in one place, so that a reviewer can read them all at
/// once and a reason shared by two resources is written once. Each is passed to
/// <see cref="NagAcknowledgements.Acknowledge"/> next to the grant or resource it excuses; a test checks that every
/// acknowledgment in the synthesized templates carries one of these texts.
/// </summary>
public static class NagReasons
{
    // Actions that AWS offers without resource-level permissions.

    public const string XRayTracing =
        "X-Ray PutTraceSegments and PutTelemetryRecords do not support resource-level permissions, so active tracing needs Resource '*' (https://docs.aws.amazon.com/xray/latest/devguide/security_iam_service-with-iam.html).";

    public const string RegistryLogin =
        "ecr:GetAuthorizationToken does not support resource-level permissions (https://docs.aws.amazon.com/AmazonECR/latest/userguide/security_iam_id-based-policy-examples.html); image pulls are limited to the image's own repository by the role's other statement.";

    public const string StateMachineLogDelivery =
        "CloudWatch Logs delivery actions used by Step Functions logging do not support resource-level permissions (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-iam-policy).";

    public const string AutoScalingDescribe =
        "autoscaling:DescribeAutoScalingGroups does not support resource-level permissions (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2autoscaling.html); the teardown handler only reads the one group it is given.";

    public const string EcsInstanceAgent =
        "These are the ECS container-agent permissions the CDK grants an ECS instance: ecs:DiscoverPollEndpoint, ecr:GetAuthorizationToken and the telemetry/submit actions have no resource-level permissions, and the agent's log streams are named at run time (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/instance_IAM_role.html).";

    // Wildcards the Step Functions integrations need by design.

    public const string EcsRunTaskSync =
        "The ECS RunTask .sync integration needs these permissions as documented (https://docs.aws.amazon.com/step-functions/latest/dg/ecs-iam.html): "
        + "StopTask and DescribeTasks on tasks whose ids are not known in advance, and PutTargets/PutRule/DescribeRule on the managed rule StepFunctionsGetEventsForECSTaskRule.";

    /// <summary>The state machine's role: tracing, log delivery and the .sync integration all need Resource '*'.</summary>
    public const string StateMachineWildcards = XRayTracing + " " + StateMachineLogDelivery + " " + EcsRunTaskSync;

    public const string TaskDefinitionRevisions =
        "The ECS RunTask integration is granted ecs:RunTask on every revision (':*') of the worker's task-definition family, so that a new revision deploys without a policy change; the family itself is fixed.";

    public const string FunctionVersions =
        "The lambda:invoke integration is granted the function and its versions and aliases (ARN suffix ':*'); the function itself is fixed.";

    // Wildcards that stop at a fixed prefix or name.

    public const string DocumentObjectPrefix =
        "Documents arrive under keys nobody knows in advance; the grant is limited to the one key prefix this role reads or writes.";

    public const string ModelObjectPrefix =
        "The model is a set of files under one S3 prefix chosen in the settings; the wildcard covers only the keys below that prefix.";

    public const string AutoScalingGroupArn =
        "An Auto Scaling group's ARN contains a generated id that CloudFormation does not return; the group is pinned by its name in the ARN's last segment instead.";

    // Task environments that hold no secrets.

    public const string ModelServerEnvironment =
        "The container's environment holds only non-secret settings (ASP.NET Core's port); no secret is passed to the task.";

    public const string GpuModelServerEnvironment =
        "The container's environment holds only non-secret settings (model source, S3 prefix, execution provider, port); no secret is passed to the task.";

    public const string BatchWorkerEnvironment =
        "The environment holds only non-secret settings (bucket name, model id, categories, parallelism); the document comes per task as container overrides.";

    // Buckets and queues that are themselves the destination.

    public const string DocumentAccessLogBucket =
        "This bucket receives the server access logs of the input and output buckets; logging it into itself would loop.";

    public const string LoadBalancerAccessLogBucket =
        "This bucket only receives the load balancer's access logs; logging its own writes into another bucket would add a second log of the same requests.";

    public const string DeadLetterQueue =
        "This queue is the pipeline's dead-letter destination: the state machine, the record-failure function and EventBridge send to it directly.";

    // Choices made on purpose.

    public const string UnauthenticatedApi =
        "ApiAuthorization.None was chosen explicitly for a short trial; the default is IAM authorization.";

    public const string PublicIngress =
        "This is the public entry point of the service: the load balancer's security group must accept its listener port from any address. Tasks accept traffic only from this security group.";

    public const string ScalingNotifications =
        "Scaling of this group is driven by the ECS capacity provider; the stack alarms when instances are missing (in service below desired, capacity-provider reservation above 100%), which is what an operator must act on.";

    public const string TeardownRuntime =
        "python3.12 is a supported Lambda runtime and the latest Python runtime that CDK 2.160's C# library names; the handler uses only boto3 and the standard library and runs only when the stack is deleted.";

    // The CDK's own provider that empties buckets whose removal policy is destroy (AutoDeleteObjects).

    public const string AutoDeleteProviderManagedPolicy =
        "The CDK's provider that empties the buckets when the stack is deleted (AutoDeleteObjects, set only when the data's removal policy is destroy) runs with AWSLambdaBasicExecutionRole; the CDK defines that role, not this stack.";

    public const string AutoDeleteProviderInvocation =
        "The CDK's provider that empties the buckets is a custom-resource handler: CloudFormation waits for its answer and shows a failure in the stack's events, so an event parked in a dead-letter queue could answer nobody.";

    public const string AutoDeleteProviderTracing =
        "The CDK's provider that empties the buckets runs only when the stack is deleted and logs each run; its code is the CDK's and carries no X-Ray instrumentation.";

    public const string DeadLetterRule =
        "This rule's only target is the pipeline's dead-letter queue; a queue for letters it refused would be read by nobody, and every execution it forwards is also counted by the ExecutionsFailed and ExecutionsTimedOut alarms.";

    // The CDK's own provider that strips the VPC's default security group.

    public const string VpcProviderManagedPolicy =
        "The CDK's provider that removes the default security group's rules runs with AWSLambdaBasicExecutionRole; the CDK defines that role, not this stack.";

    public const string VpcProviderInvocation =
        "The CDK's provider that removes the default security group's rules is a custom-resource handler: CloudFormation waits for its answer and shows a failure in the stack's events, so an event parked in a dead-letter queue could answer nobody.";

    public const string VpcProviderTracing =
        "The CDK's provider that removes the default security group's rules runs once per VPC change and logs each run to its own log group; its code is the CDK's and carries no X-Ray instrumentation.";

    // Lambda functions and what invokes them (cdk-nag's Serverless pack).

    public const string GateExecutions =
        "The execution gate checks whether the executions holding its slots still run (states:DescribeExecution); their names are the upload events' ids, known only at run time, so the grant covers this state machine's executions and no other's.";

    public const string GateInvocation =
        "The execution gate is only woken by these events: a lost wake-up loses no upload (uploads wait in the upload queue, whose redrive policy and the dead-letter queue keep what cannot be started), and the one-minute schedule wakes it again.";

    public const string SynchronousInvocation =
        "This function is invoked synchronously (by API Gateway, its Function URL or a Step Functions Task), so the caller gets the error and retries or records it; Lambda's dead-letter queue holds only failed asynchronous invocations.";

    public const string TeardownInvocation =
        "A custom-resource handler: CloudFormation waits for its answer and shows a failure in the stack's events, so an event parked in a dead-letter queue could answer nobody.";

    public const string TeardownTracing =
        "The handler runs once, when the stack is deleted, and logs each run to its own log group; a trace would show one Auto Scaling call.";
}
