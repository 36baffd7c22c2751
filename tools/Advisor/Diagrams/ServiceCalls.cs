namespace ReferenceArchitectures.Tools.Advisor.Diagrams;

/// <summary>
/// The names the diagrams put on arrows: which API call an AWS service makes when it delivers to a resource of a
/// given type, and how an IAM action is shown. One entry per resource type or action, shared by every rule.
/// </summary>
public static class ServiceCalls
{
    /// <summary>
    /// The call a service makes to hand something to a resource of this type: an EventBridge rule to its target,
    /// a CloudWatch alarm to its action, S3 to a notification target, API Gateway to its integration. These calls
    /// are fixed by the delivering service, so the template names only the target.
    /// </summary>
    private static readonly Dictionary<string, string> Deliveries = new(StringComparer.Ordinal)
    {
        ["AWS::StepFunctions::StateMachine"] = "StartExecution",
        ["AWS::Lambda::Function"] = "InvokeFunction",
        ["AWS::SQS::Queue"] = "SendMessage",
        ["AWS::SNS::Topic"] = "Publish",
        ["AWS::Events::EventBus"] = "PutEvents",
        // An HTTP API private integration: API Gateway sends the request through its VPC link to the listener.
        ["AWS::ElasticLoadBalancingV2::Listener"] = "HTTP (VPC link)",
    };

    /// <summary>
    /// IAM actions shown as the call they exist for. IAM has no Converse actions: Converse is authorised by
    /// bedrock:InvokeModel and ConverseStream by bedrock:InvokeModelWithResponseStream, and this repository's Bedrock
    /// client (lib/) calls only those two, so the arrow names the call the code makes. s3:GetObjectVersion
    /// only lets GetObject read an older version.
    /// </summary>
    private static readonly Dictionary<string, string> ActionLabels = new(StringComparer.Ordinal)
    {
        ["bedrock:InvokeModel"] = "Converse",
        ["bedrock:InvokeModelWithResponseStream"] = "ConverseStream",
        ["s3:GetObjectVersion"] = "GetObject",
    };

    /// <summary>Services the stacks call but do not deploy, drawn as one node each when a role may call them.</summary>
    public static readonly IReadOnlyDictionary<string, string> ExternalServices = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["bedrock"] = "Amazon Bedrock",
    };

    /// <summary>
    /// The Step Functions service integrations (<c>arn:aws:states:::service:action</c>) and the parameter that names the
    /// resource a task calls: other parameters may name resources too (a payload can carry a bucket name) without
    /// the state machine calling them.
    /// </summary>
    private static readonly Dictionary<string, string> IntegrationTargets = new(StringComparer.Ordinal)
    {
        ["lambda"] = "FunctionName",
        ["ecs"] = "TaskDefinition",
        ["sqs"] = "QueueUrl",
        ["sns"] = "TopicArn",
        ["dynamodb"] = "TableName",
        ["states"] = "StateMachineArn",
        ["s3"] = "Bucket",
        ["events"] = "EventBusName",
    };

    public static string Delivery(string stackName, string targetType, string deliveredBy) =>
        Deliveries.TryGetValue(targetType, out var call)
            ? call
            : throw new InvalidOperationException(
                $"{stackName}: {deliveredBy} delivers to a {targetType}, and the diagrams do not know which call that is. Add it to {nameof(ServiceCalls)}.{nameof(Deliveries)}.");

    public static bool IsDeliveryTarget(string type) => Deliveries.ContainsKey(type);

    public static string ActionLabel(string action) =>
        ActionLabels.TryGetValue(action, out var label) ? label : action[(action.IndexOf(':', StringComparison.Ordinal) + 1)..];

    public static string ServiceOf(string action) => action.Split(':')[0];

    public static string IntegrationTarget(string stackName, string service) =>
        IntegrationTargets.TryGetValue(service, out var parameter)
            ? parameter
            : throw new InvalidOperationException(
                $"{stackName}: a state machine calls the '{service}' integration, and the diagrams do not know which parameter names its target. Add it to {nameof(ServiceCalls)}.{nameof(IntegrationTargets)}.");

    /// <summary>The name Step Functions' own task type has in IAM (<c>lambda:invoke</c> is lambda:InvokeFunction); others are the action in PascalCase.</summary>
    public static string IntegrationLabel(string service, string action, string pattern)
    {
        var call = service == "lambda" && action == "invoke" ? "InvokeFunction" : char.ToUpperInvariant(action[0]) + action[1..];
        return pattern.Length == 0 ? call : $"{call} {pattern}";
    }
}
