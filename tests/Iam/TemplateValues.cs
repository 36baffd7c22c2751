using System.Text.Json.Nodes;

namespace ReferenceArchitectures.Testing.Iam;

/// <summary>Where a template is deployed: the values of the pseudo parameters.</summary>
public sealed record DeployTarget(string Account, string Region, string Partition = "aws", string StackName = "stack")
{
    public static DeployTarget Default { get; } = new("123456789012", "us-east-1");
}

/// <summary>
/// Resolves the intrinsic functions of a synthesized template to the strings CloudFormation would give them, so that
/// policies can be evaluated. Names that CloudFormation generates are stood in for by the logical id, which keeps every
/// resource's ARN distinct. What each resource type returns for <c>Ref</c> and <c>Fn::GetAtt</c> follows its page in
/// the CloudFormation resource reference (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-template-resource-type-ref.html).
/// </summary>
public sealed class TemplateValues(JsonObject template, DeployTarget target)
{
    private readonly JsonObject resources = template[nameof(Resources)]!.AsObject();

    public DeployTarget Target { get; } = target;

    public JsonObject Resources => resources;

    public string Type(string logicalId) => (string)resources[logicalId]!["Type"]!;

    public JsonObject Properties(string logicalId) => resources[logicalId]!["Properties"]?.AsObject() ?? [];

    /// <summary>The value of the template's output of that name, or null when it has none.</summary>
    public JsonNode? Output(string name) => template["Outputs"]?[name]?["Value"];

    /// <summary>The resources of one type, by logical id.</summary>
    public IEnumerable<string> OfType(string type) =>
        resources.Where(resource => (string?)resource.Value!["Type"] == type).Select(resource => resource.Key);

    /// <summary>A template value as one string; a list resolves to its items joined by commas (as Fn::Join would not).</summary>
    public string Text(JsonNode? node) => Strings(node) switch
    {
        [var single] => single,
        var many => throw new InvalidOperationException($"Expected one value, found {many.Count}: {node?.ToJsonString()}"),
    };

    /// <summary>A template value as a list of strings: a string, a list, or an intrinsic function.</summary>
    public IReadOnlyList<string> Strings(JsonNode? node) => node switch
    {
        null => [],
        JsonValue value => [value.ToString()],
        JsonArray array => [.. array.SelectMany(Strings)],
        JsonObject function => Function(function),
        _ => throw new InvalidOperationException($"Unexpected value {node.ToJsonString()}"),
    };

    /// <summary>
    /// A copy of a template value with every intrinsic function resolved: a policy document ready to evaluate. An
    /// <c>Fn::If</c> becomes the branch its condition picks, and a property or list item that resolves to
    /// <c>AWS::NoValue</c> is left out, as CloudFormation does
    /// (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-conditions.html).
    /// </summary>
    public JsonNode? Resolve(JsonNode? node) => Chosen(node) switch
    {
        JsonObject o when o.Count == 1 && (o.ContainsKey("Ref") || o.First().Key.StartsWith("Fn::", StringComparison.Ordinal)) =>
            Strings(o) is [var single] ? JsonValue.Create(single) : new JsonArray([.. Strings(o).Select(s => (JsonNode)JsonValue.Create(s)!)]),
        JsonObject o => new JsonObject(o.Where(p => !IsNoValue(Chosen(p.Value))).Select(p => KeyValuePair.Create(p.Key, Resolve(p.Value)))),
        JsonArray a => new JsonArray([.. a.Where(item => !IsNoValue(Chosen(item))).SelectMany(item => Resolve(item) is JsonArray inner && Chosen(item) is JsonObject ? [.. inner.Select(i => i?.DeepClone())] : new[] { Resolve(item) })]),
        var other => other?.DeepClone(),
    };

    /// <summary>Whether a named condition of the template's Conditions section holds for <see cref="Target"/>.</summary>
    public bool Condition(string name) =>
        template["Conditions"]?[name] is JsonObject expression
            ? ConditionHolds(expression)
            : throw new InvalidOperationException($"The template has no condition {name}.");

    private bool ConditionHolds(JsonNode? node)
    {
        var (name, argument) = node!.AsObject().Single();
        return name switch
        {
            "Fn::Equals" => Text(argument![0]) == Text(argument[1]),
            "Fn::Not" => !ConditionHolds(argument![0]),
            "Fn::And" => argument!.AsArray().All(ConditionHolds),
            "Fn::Or" => argument!.AsArray().Any(ConditionHolds),
            "Condition" => Condition((string)argument!),
            _ => throw new NotSupportedException($"The condition function {name} is not evaluated here."),
        };
    }

    // The branch an Fn::If picks, repeatedly; anything else as it is.
    private JsonNode? Chosen(JsonNode? node) =>
        node is JsonObject o && o.Count == 1 && o["Fn::If"] is JsonArray branches
            ? Chosen(Condition((string)branches[0]!) ? branches[1] : branches[2])
            : node;

    private static bool IsNoValue(JsonNode? node) => node is JsonObject o && o.Count == 1 && (string?)o["Ref"] == "AWS::NoValue";

    /// <summary>The logical id a <c>Ref</c> or <c>Fn::GetAtt</c> points at, or null for anything else.</summary>
    public static string? ReferencedId(JsonNode? node) => node switch
    {
        JsonObject o when o["Ref"] is JsonValue r => (string)r!,
        JsonObject o when o["Fn::GetAtt"] is JsonArray a => (string)a[0]!,
        _ => null,
    };

    public string Arn(string logicalId) => Attribute(logicalId, "Arn");

    private List<string> Function(JsonObject function)
    {
        var (name, argument) = function.Single();
        return name switch
        {
            "Ref" => [Ref((string)argument!)],
            "Fn::GetAtt" => [Attribute((string)argument![0]!, (string)argument[1]!)],
            "Fn::Join" => [string.Join((string)argument![0]!, Strings(argument[1]))],
            "Fn::Select" => [Strings(argument![1])[int.Parse(Text(argument[0]), System.Globalization.CultureInfo.InvariantCulture)]],
            "Fn::Split" => [.. Text(argument![1]).Split((string)argument[0]!)],
            "Fn::Sub" => [Sub(argument!)],
            "Fn::FindInMap" => [FindInMap(Text(argument![0]), Text(argument[1]), Text(argument[2]))],
            "Fn::If" => [.. Strings(Chosen(function))],
            "Fn::GetAZs" => [Target.Region + "a", Target.Region + "b", Target.Region + "c"],
            _ => throw new NotSupportedException($"The intrinsic function {name} is not resolved here: {function.ToJsonString()}"),
        };
    }

    // Fn::FindInMap fails the deploy when the map has no such key
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-findinmap.html).
    private string FindInMap(string map, string key, string attribute) =>
        template["Mappings"]?[map]?[key]?[attribute] is { } value
            ? Text(value)
            : throw new MissingMappingException($"Fn::FindInMap: the mapping {map} has no {key}/{attribute}; CloudFormation fails the deploy in {Target.Region}.");

    private string Sub(JsonNode argument)
    {
        var (text, variables) = argument is JsonArray a ? ((string)a[0]!, a[1]!.AsObject()) : ((string)argument!, new JsonObject());
        return System.Text.RegularExpressions.Regex.Replace(text, @"\$\{([^}!]+)\}", match =>
        {
            var name = match.Groups[1].Value;
            if (variables[name] is { } variable)
            {
                return Text(variable);
            }

            var dot = name.IndexOf('.', StringComparison.Ordinal);
            return dot < 0 ? Ref(name) : Attribute(name[..dot], name[(dot + 1)..]);
        });
    }

    private string Ref(string name) => name switch
    {
        "AWS::AccountId" => Target.Account,
        "AWS::Region" => Target.Region,
        "AWS::Partition" => Target.Partition,
        "AWS::URLSuffix" => "amazonaws.com",
        "AWS::StackName" => Target.StackName,
        "AWS::StackId" => $"arn:{Target.Partition}:cloudformation:{Target.Region}:{Target.Account}:stack/stack/id",
        "AWS::NoValue" => throw new NotSupportedException("AWS::NoValue"),
        _ when resources.ContainsKey(name) => ResourceRef(name),
        _ => template["Parameters"]?[name]?["Default"] is { } value ? Text(value) : throw new InvalidOperationException($"Nothing is named {name}."),
    };

    // What Ref returns, per type: a name for most, an ARN for topics, state machines and aliases, a URL for queues.
    private string ResourceRef(string id) => Type(id) switch
    {
        "AWS::SNS::Topic" or "AWS::StepFunctions::StateMachine" or "AWS::ECS::TaskDefinition" or "AWS::ElasticLoadBalancingV2::LoadBalancer"
            or "AWS::ElasticLoadBalancingV2::TargetGroup" or "AWS::ElasticLoadBalancingV2::Listener" or "AWS::IAM::ManagedPolicy" => Arn(id),
        "AWS::SQS::Queue" => $"https://sqs.{Target.Region}.amazonaws.com/{Target.Account}/{Name(id, "QueueName")}",
        "AWS::KMS::Key" => KeyId(id),
        "AWS::Lambda::Alias" => AliasArn(id),
        _ => Name(id, NameProperty(Type(id))),
    };

    // An alias's ARN is its function's with the alias name after a colon.
    private string AliasArn(string id)
    {
        var function = Text(Properties(id)["FunctionName"]);
        var functionArn = function.StartsWith("arn:", StringComparison.Ordinal) ? function : $"arn:{Target.Partition}:lambda:{Target.Region}:{Target.Account}:function:{function}";
        return $"{functionArn}:{Text(Properties(id)["Name"])}";
    }

    private string Attribute(string id, string attribute)
    {
        var type = Type(id);
        var p = Target.Partition;
        var r = Target.Region;
        var a = Target.Account;
        return (type, attribute) switch
        {
            ("AWS::S3::Bucket", "Arn") => $"arn:{p}:s3:::{Name(id, "BucketName")}",
            ("AWS::S3::Bucket", "DomainName") => $"{Name(id, "BucketName")}.s3.amazonaws.com",
            ("AWS::S3::Bucket", "RegionalDomainName") => $"{Name(id, "BucketName")}.s3.{r}.amazonaws.com",
            ("AWS::SNS::Topic", "TopicArn" or "Arn") => $"arn:{p}:sns:{r}:{a}:{Name(id, "TopicName")}",
            ("AWS::SNS::Topic", "TopicName") => Name(id, "TopicName"),
            ("AWS::SQS::Queue", "Arn") => $"arn:{p}:sqs:{r}:{a}:{Name(id, "QueueName")}",
            ("AWS::SQS::Queue", "QueueName") => Name(id, "QueueName"),
            ("AWS::SQS::Queue", "QueueUrl") => ResourceRef(id),
            ("AWS::KMS::Key", "Arn") => $"arn:{p}:kms:{r}:{a}:key/{KeyId(id)}",
            ("AWS::KMS::Key", "KeyId") => KeyId(id),
            ("AWS::DynamoDB::Table", "Arn") => $"arn:{p}:dynamodb:{r}:{a}:table/{Name(id, "TableName")}",
            ("AWS::DynamoDB::Table", "StreamArn") => $"arn:{p}:dynamodb:{r}:{a}:table/{Name(id, "TableName")}/stream/1",
            ("AWS::Lambda::Function", "Arn") => $"arn:{p}:lambda:{r}:{a}:function:{Name(id, "FunctionName")}",
            ("AWS::Lambda::Url", "FunctionUrl") => $"https://{id.ToLowerInvariant()}.lambda-url.{r}.on.aws/",
            ("AWS::Lambda::Url", "FunctionArn") => Text(Properties(id)["TargetFunctionArn"]),
            ("AWS::StepFunctions::StateMachine", "Arn") => $"arn:{p}:states:{r}:{a}:stateMachine:{Name(id, "StateMachineName")}",
            ("AWS::StepFunctions::StateMachine", "Name") => Name(id, "StateMachineName"),
            ("AWS::IAM::Role", "Arn") => $"arn:{p}:iam::{a}:role/{Name(id, "RoleName")}",
            ("AWS::IAM::Role", "RoleId") => "AROA" + id.ToUpperInvariant(),
            ("AWS::Logs::LogGroup", "Arn") => $"arn:{p}:logs:{r}:{a}:log-group:{Name(id, "LogGroupName")}:*",
            ("AWS::Events::Rule", "Arn") => $"arn:{p}:events:{r}:{a}:rule/{Name(id, "Name")}",
            ("AWS::CloudWatch::Alarm", "Arn") => $"arn:{p}:cloudwatch:{r}:{a}:alarm:{Name(id, "AlarmName")}",
            ("AWS::ECS::Cluster", "Arn") => $"arn:{p}:ecs:{r}:{a}:cluster/{Name(id, "ClusterName")}",
            ("AWS::ECS::TaskDefinition", "TaskDefinitionArn" or "Arn") => $"arn:{p}:ecs:{r}:{a}:task-definition/{Name(id, "Family")}:1",
            ("AWS::ECR::Repository", "Arn") => $"arn:{p}:ecr:{r}:{a}:repository/{Name(id, "RepositoryName")}",
            ("AWS::ApiGatewayV2::Api", "ApiId") => id.ToLowerInvariant(),
            ("AWS::ApiGatewayV2::Api", "ApiEndpoint") => $"https://{id.ToLowerInvariant()}.execute-api.{r}.amazonaws.com",
            ("AWS::ElasticLoadBalancingV2::LoadBalancer", "Arn" or "LoadBalancerArn") => $"arn:{p}:elasticloadbalancing:{r}:{a}:loadbalancer/app/{id}/1",
            ("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerFullName") => $"app/{id}/1",
            ("AWS::ElasticLoadBalancingV2::LoadBalancer", "DNSName") => $"{id.ToLowerInvariant()}.{r}.elb.amazonaws.com",
            ("AWS::ElasticLoadBalancingV2::TargetGroup", "TargetGroupFullName") => $"targetgroup/{id}/1",
            ("AWS::ElasticLoadBalancingV2::TargetGroup", "Arn" or "TargetGroupArn") => $"arn:{p}:elasticloadbalancing:{r}:{a}:targetgroup/{id}/1",
            ("AWS::ElasticLoadBalancingV2::Listener", "Arn" or "ListenerArn") => $"arn:{p}:elasticloadbalancing:{r}:{a}:listener/app/{id}/1/1",
            ("AWS::AutoScaling::AutoScalingGroup", "Arn") => $"arn:{p}:autoscaling:{r}:{a}:autoScalingGroup:1:autoScalingGroupName/{Name(id, "AutoScalingGroupName")}",
            (_, "Arn") => $"arn:{p}:{ServiceOf(type)}:{r}:{a}:{id}",
            _ => $"{id}.{attribute}",
        };
    }

    private static string KeyId(string id) => "00000000-0000-0000-0000-" + (Math.Abs(StableHash(id)) % 1_000_000_000_000L).ToString("D12", System.Globalization.CultureInfo.InvariantCulture);

    private static long StableHash(string text) => text.Aggregate(17L, (hash, c) => unchecked((hash * 31) + c));

    private string Name(string id, string? property) =>
        property is not null && Properties(id)[property] is { } name ? Text(name) : id.ToLowerInvariant();

    private static string? NameProperty(string type) => type switch
    {
        "AWS::S3::Bucket" => "BucketName",
        "AWS::DynamoDB::Table" => "TableName",
        "AWS::Lambda::Function" => "FunctionName",
        "AWS::IAM::Role" => "RoleName",
        "AWS::Logs::LogGroup" => "LogGroupName",
        "AWS::ECS::Cluster" => "ClusterName",
        "AWS::ECR::Repository" => "RepositoryName",
        "AWS::CloudWatch::Alarm" => "AlarmName",
        "AWS::Events::Rule" => "Name",
        _ => null,
    };

    private static string ServiceOf(string type) => type.Split("::")[1].ToLowerInvariant();
}

/// <summary>A template looks up a key its mapping lacks: the deploy fails in that Region.</summary>
public sealed class MissingMappingException(string message) : Exception(message);
