using System.Globalization;
using System.Text.RegularExpressions;

namespace ReferenceArchitectures.Tools.Advisor.Diagrams;

/// <summary>
/// What the diagram draws for each resource type: nothing (plumbing), the node of another resource it belongs to
/// (a listener is part of its load balancer), one node for all of its kind (alarms, log groups), or a node of its
/// own, with a name, a kind and a box to sit in. Decided by type and relation, never by logical id.
/// </summary>
public static partial class ResourceKinds
{
    /// <summary>Resources that only wire others together; the rules read them, the diagram does not draw them.</summary>
    private static readonly HashSet<string> Plumbing = new(StringComparer.Ordinal)
    {
        "AWS::CDK::Metadata", "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::InstanceProfile",
        "AWS::Lambda::Permission", "AWS::Lambda::Url", "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::Route",
        "AWS::EC2::RouteTable", "AWS::EC2::VPCGatewayAttachment", "AWS::EC2::EIP", "AWS::EC2::SecurityGroupIngress",
        "AWS::EC2::SecurityGroupEgress", "AWS::EC2::Subnet", "AWS::EC2::SecurityGroup", "AWS::SNS::Subscription",
        "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy", "AWS::S3::BucketPolicy", "AWS::ApplicationAutoScaling::ScalingPolicy",
        "AWS::ApplicationAutoScaling::ScalableTarget", "AWS::KMS::Alias", "AWS::CloudFormation::CustomResource",
        // An ECS cluster is a namespace for services and tasks; what runs, and on what capacity, is drawn instead.
        "AWS::ECS::Cluster", "AWS::ECS::ClusterCapacityProviderAssociations",
    };

    private static readonly Dictionary<string, DiagramGroup> GroupsByType = new(StringComparer.Ordinal)
    {
        ["AWS::CloudWatch::Alarm"] = DiagramGroup.Monitoring,
        ["AWS::CloudWatch::Dashboard"] = DiagramGroup.Monitoring,
        ["AWS::Logs::LogGroup"] = DiagramGroup.Monitoring,
        ["AWS::EC2::VPC"] = DiagramGroup.Network,
        ["AWS::EC2::NatGateway"] = DiagramGroup.Network,
        ["AWS::EC2::InternetGateway"] = DiagramGroup.Network,
        ["AWS::EC2::VPCEndpoint"] = DiagramGroup.Network,
        ["AWS::EC2::FlowLog"] = DiagramGroup.Network,
        ["AWS::AutoScaling::AutoScalingGroup"] = DiagramGroup.Capacity,
        ["AWS::EC2::LaunchTemplate"] = DiagramGroup.Capacity,
        ["AWS::ECS::CapacityProvider"] = DiagramGroup.Capacity,
    };

    private static readonly Dictionary<string, string> Kinds = new(StringComparer.Ordinal)
    {
        ["AWS::Lambda::Function"] = "Lambda function",
        ["AWS::S3::Bucket"] = "S3 bucket",
        ["AWS::DynamoDB::Table"] = "DynamoDB table",
        ["AWS::SQS::Queue"] = "SQS queue",
        ["AWS::SNS::Topic"] = "SNS topic",
        ["AWS::StepFunctions::StateMachine"] = "Step Functions state machine",
        ["AWS::Events::Rule"] = "EventBridge rule",
        ["AWS::KMS::Key"] = "KMS key",
        ["AWS::EC2::VPC"] = "VPC",
        ["AWS::EC2::NatGateway"] = "NAT gateway",
        ["AWS::EC2::InternetGateway"] = "internet gateway",
        ["AWS::EC2::FlowLog"] = "VPC flow log",
        ["AWS::AutoScaling::AutoScalingGroup"] = "Auto Scaling group",
        ["AWS::ECS::CapacityProvider"] = "ECS capacity provider",
    };

    /// <summary>Fill colours by service, so that a function or a bucket looks the same in every diagram.</summary>
    private static readonly Dictionary<string, string> ServiceColours = new(StringComparer.Ordinal)
    {
        ["Lambda"] = "#fdebd0", ["ApiGatewayV2"] = "#f5e6ff", ["ECS"] = "#fff3cd", ["EC2"] = "#e8f4ea", ["ElasticLoadBalancingV2"] = "#e3f2fd",
        ["S3"] = "#e8f5e9", ["StepFunctions"] = "#fce4ec", ["Events"] = "#fce4ec", ["DynamoDB"] = "#e3f2fd", ["SQS"] = "#fff8e1",
        ["SNS"] = "#fff8e1", ["KMS"] = "#f3e5f5", ["CloudWatch"] = "#eceff1", ["Logs"] = "#eceff1", ["AutoScaling"] = "#e8f4ea",
    };

    public static string Colour(string type) =>
        ServiceColours.GetValueOrDefault(type.Split("::") is [_, var service, _] ? service : type, "#ffffff");

    /// <summary>The node a resource is drawn as, or null when it is not drawn.</summary>
    public static string? NodeOf(CloudFormationTemplate template, string id)
    {
        ArgumentNullException.ThrowIfNull(template);
        var type = template.TypeOf(id);
        var properties = template.Properties(id);
        return type switch
        {
            _ when Plumbing.Contains(type) || type.StartsWith("Custom::", StringComparison.Ordinal) => null,
            // CDK's own helper functions (log retention, custom-resource providers) run on Node.js; ours on provided.al2023.
            "AWS::Lambda::Function" when CloudFormationTemplate.Text(properties?["Runtime"])?.StartsWith("nodejs", StringComparison.Ordinal) == true => null,
            "AWS::CloudWatch::Alarm" => ArchitectureGraph.AlarmsId,
            "AWS::Logs::LogGroup" => ArchitectureGraph.LogGroupsId,
            "AWS::ElasticLoadBalancingV2::Listener" => First(template, properties?["LoadBalancerArn"]),
            "AWS::ElasticLoadBalancingV2::ListenerRule" => First(template, properties?["ListenerArn"]),
            // A target group is drawn as the load balancer that forwards to it: its metrics are the load balancer's.
            "AWS::ElasticLoadBalancingV2::TargetGroup" => Forwarders(template, id).Select(forwarder => NodeOf(template, forwarder)).FirstOrDefault(node => node is not null),
            // A service's tasks are the service on the diagram; a task definition run by no service (a state machine's task) is its own node.
            "AWS::ECS::TaskDefinition" => template.OfType("AWS::ECS::Service")
                .FirstOrDefault(service => template.ReferencesIn(template.Properties(service)?["TaskDefinition"]).Contains(id)) ?? id,
            "AWS::ApiGatewayV2::Stage" or "AWS::ApiGatewayV2::Route" or "AWS::ApiGatewayV2::Integration" => First(template, properties?["ApiId"]),
            _ => id,
        };
    }

    /// <summary>The listeners and listener rules that forward requests to a target group.</summary>
    public static IEnumerable<string> Forwarders(CloudFormationTemplate template, string targetGroup)
    {
        ArgumentNullException.ThrowIfNull(template);
        return template.OfType("AWS::ElasticLoadBalancingV2::Listener").Concat(template.OfType("AWS::ElasticLoadBalancingV2::ListenerRule"))
            .Where(forwarder => template.ReferencesIn(template.Properties(forwarder)?["DefaultActions"] ?? template.Properties(forwarder)?["Actions"]).Contains(targetGroup));
    }

    private static string? First(CloudFormationTemplate template, System.Text.Json.Nodes.JsonNode? reference) =>
        template.ReferencesIn(reference).Select(target => NodeOf(template, target)).FirstOrDefault(node => node is not null);

    public static DiagramGroup GroupOf(string type) => GroupsByType.GetValueOrDefault(type, DiagramGroup.MainPath);

    /// <summary>What the resource is, in words: "Lambda function", "ECS service on Fargate".</summary>
    public static string KindOf(CloudFormationTemplate template, string id)
    {
        ArgumentNullException.ThrowIfNull(template);
        var type = template.TypeOf(id);
        var properties = template.Properties(id);
        return type switch
        {
            "AWS::ApiGatewayV2::Api" => $"API Gateway {CloudFormationTemplate.Text(properties?["ProtocolType"])} API",
            "AWS::ElasticLoadBalancingV2::LoadBalancer" =>
                CloudFormationTemplate.Text(properties?["Type"]) == "network" ? "Network Load Balancer" : "Application Load Balancer",
            "AWS::ECS::Service" => CloudFormationTemplate.Text(properties?["LaunchType"]) == "FARGATE" ? "ECS service on Fargate" : "ECS service on EC2",
            "AWS::ECS::TaskDefinition" => CloudFormationTemplate.Strings(properties?["RequiresCompatibilities"]).Contains("FARGATE") ? "ECS task on Fargate" : "ECS task",
            "AWS::EC2::LaunchTemplate" => CloudFormationTemplate.Text(properties?["LaunchTemplateData"]?["InstanceType"]) is { } instanceType
                ? $"launch template, {instanceType}" : "launch template",
            "AWS::EC2::VPCEndpoint" => string.Create(CultureInfo.InvariantCulture,
                $"{CloudFormationTemplate.Flatten(properties?["ServiceName"]).Split('.')[^1].ToUpperInvariant()} {CloudFormationTemplate.Text(properties?["VpcEndpointType"])?.ToLowerInvariant() ?? "interface"} endpoint"),
            _ => Kinds.GetValueOrDefault(type, type.Split("::")[^1]),
        };
    }

    /// <summary>
    /// A readable name. Containers are named in the template, so an ECS service or task is called after them;
    /// anything else after its logical id without the 8-character hash CDK appends to it.
    /// </summary>
    public static string NameOf(CloudFormationTemplate template, string id)
    {
        ArgumentNullException.ThrowIfNull(template);
        var taskDefinition = template.TypeOf(id) switch
        {
            "AWS::ECS::TaskDefinition" => id,
            "AWS::ECS::Service" => template.ReferencesIn(template.Properties(id)?["TaskDefinition"]).FirstOrDefault(),
            _ => null,
        };
        var containers = taskDefinition is null
            ? []
            : (template.Properties(taskDefinition)?["ContainerDefinitions"]?.AsArray() ?? []).Select(container => CloudFormationTemplate.Text(container?["Name"])).OfType<string>().ToList();
        return containers.Count > 0 ? string.Join(", ", containers) : CdkHashSuffix().Replace(id, string.Empty);
    }

    [GeneratedRegex("[0-9A-F]{8}$")]
    private static partial Regex CdkHashSuffix();
}
