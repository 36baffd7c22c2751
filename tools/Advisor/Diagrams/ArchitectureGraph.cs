using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ReferenceArchitectures.Tools.Advisor.Diagrams;

/// <summary>
/// Turns a synthesized template into a Graphviz graph: resources grouped by service, edges where one resource
/// refers to another (Ref, Fn::GetAtt, DependsOn), where a role's policy lets a resource act on another, and
/// where a Lambda permission lets a service invoke a function. Plumbing (roles, policies, log groups, routes,
/// subnets, security groups, CDK's helper functions) is left out; alarms are collapsed into one node.
/// The output is sorted and carries nothing that changes between synths.
/// </summary>
public static partial class ArchitectureGraph
{
    private static readonly HashSet<string> Plumbing = new(StringComparer.Ordinal)
    {
        "AWS::CDK::Metadata", "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::InstanceProfile",
        "AWS::Logs::LogGroup", "AWS::Lambda::Permission", "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::Route",
        "AWS::EC2::RouteTable", "AWS::EC2::VPCGatewayAttachment", "AWS::EC2::EIP", "AWS::EC2::SecurityGroupIngress",
        "AWS::EC2::SecurityGroupEgress", "AWS::EC2::Subnet", "AWS::EC2::SecurityGroup", "AWS::SNS::Subscription",
        "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy", "AWS::S3::BucketPolicy", "AWS::ApplicationAutoScaling::ScalingPolicy",
        "AWS::ApplicationAutoScaling::ScalableTarget", "AWS::ApiGatewayV2::Stage", "AWS::KMS::Alias",
    };

    /// <summary>Left out, but a resource that refers to one of these is drawn as referring to what it refers to (a function in a subnet is in the VPC).</summary>
    private static readonly HashSet<string> PassThrough = new(StringComparer.Ordinal) { "AWS::EC2::Subnet", "AWS::EC2::SecurityGroup", "AWS::IAM::InstanceProfile" };

    private static readonly HashSet<string> Collapsed = new(StringComparer.Ordinal) { "AWS::CloudWatch::Alarm" };

    /// <summary>Services the stacks call but do not create, drawn as one node each when a role may call them.</summary>
    private static readonly Dictionary<string, string> ExternalServices = new(StringComparer.Ordinal)
    {
        ["bedrock"] = "Amazon Bedrock",
    };

    private static readonly Dictionary<string, string> ServiceColours = new(StringComparer.Ordinal)
    {
        ["Lambda"] = "#fdebd0", ["ApiGatewayV2"] = "#f5e6ff", ["ECS"] = "#fff3cd", ["EC2"] = "#e8f4ea", ["ElasticLoadBalancingV2"] = "#e3f2fd",
        ["S3"] = "#e8f5e9", ["StepFunctions"] = "#fce4ec", ["Events"] = "#fce4ec", ["DynamoDB"] = "#e3f2fd", ["SQS"] = "#fff8e1",
        ["SNS"] = "#fff8e1", ["KMS"] = "#f3e5f5", ["CloudWatch"] = "#eceff1", ["AutoScaling"] = "#e8f4ea", ["ECR"] = "#fff3cd",
    };

    public static string ToDot(string stackName, string templateJson)
    {
        var resources = JsonNode.Parse(templateJson)?["Resources"]?.AsObject()
            ?? throw new InvalidOperationException($"{stackName}: the template has no Resources.");
        var types = resources.ToDictionary(entry => entry.Key, entry => (string?)entry.Value?["Type"] ?? "?", StringComparer.Ordinal);
        var shown = types.Where(entry => IsShown(entry.Value, resources[entry.Key]!)).Select(entry => entry.Key).ToHashSet(StringComparer.Ordinal);

        string NodeOf(string id) => Collapsed.Contains(types[id]) ? CollapsedId(types[id]) : id;

        var edges = new SortedDictionary<(string From, string To), SortedSet<string>>();
        void AddEdge(string from, string to, string? label)
        {
            if (from == to)
            {
                return;
            }

            if (!edges.TryGetValue((from, to), out var labels))
            {
                edges[(from, to)] = labels = new SortedSet<string>(StringComparer.Ordinal);
            }

            if (label is not null)
            {
                labels.Add(label);
            }
        }

        foreach (var id in shown)
        {
            var resource = resources[id]!;
            foreach (var target in References(resource["Properties"]).Concat(DependsOn(resource)))
            {
                if (!types.TryGetValue(target, out var targetType))
                {
                    continue;
                }

                if (shown.Contains(target))
                {
                    AddEdge(NodeOf(id), NodeOf(target), null);
                }
                else if (PassThrough.Contains(targetType))
                {
                    foreach (var next in References(resources[target]!["Properties"]).Where(shown.Contains))
                    {
                        AddEdge(NodeOf(id), NodeOf(next), null);
                    }
                }
            }
        }

        AddPolicyEdges(resources, types, shown, NodeOf, AddEdge);
        AddPermissionEdges(resources, types, shown, NodeOf, AddEdge);

        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"digraph \"{stackName}\" {{\n");
        builder.Append(CultureInfo.InvariantCulture, $"  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=16, label=\"{stackName}\", labelloc=t, nodesep=0.3, ranksep=0.6];\n");
        builder.Append("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=10];\n");
        builder.Append("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#555555\", fontcolor=\"#333333\"];\n");
        var nodes = shown.Select(NodeOf).Distinct().Order(StringComparer.Ordinal).ToList();
        var externals = edges.Keys.Select(edge => edge.To).Where(node => node.StartsWith(ExternalPrefix, StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal).ToList();
        if (externals.Count > 0)
        {
            builder.Append("  subgraph \"cluster_External\" {\n    label=\"Called, not deployed\"; style=\"rounded,dashed\"; color=\"#999999\"; fontsize=12;\n");
            foreach (var external in externals)
            {
                builder.Append(CultureInfo.InvariantCulture, $"    \"{external}\" [label=\"{ExternalServices[external[ExternalPrefix.Length..]]}\", shape=component];\n");
            }

            builder.Append("  }\n");
        }

        foreach (var service in nodes.GroupBy(node => Service(TypeOfNode(node, types))).OrderBy(group => group.Key, StringComparer.Ordinal))
        {
            var colour = ServiceColours.GetValueOrDefault(service.Key, "#f5f5f5");
            builder.Append(CultureInfo.InvariantCulture, $"  subgraph \"cluster_{service.Key}\" {{\n    label=\"{ServiceLabel(service.Key)}\"; style=\"rounded,filled\"; fillcolor=\"{colour}\"; color=\"#999999\"; fontsize=12;\n");
            foreach (var node in service)
            {
                builder.Append(CultureInfo.InvariantCulture, $"    \"{node}\" [label=\"{Label(node, types, shown)}\"];\n");
            }

            builder.Append("  }\n");
        }

        foreach (var ((from, to), labels) in edges)
        {
            var attributes = labels.Count > 0 ? $" [label=\"{string.Join(", ", labels)}\"]" : string.Empty;
            builder.Append(CultureInfo.InvariantCulture, $"  \"{from}\" -> \"{to}\"{attributes};\n");
        }

        builder.Append("}\n");
        return builder.ToString();
    }

    private static bool IsShown(string type, JsonNode resource)
    {
        if (Plumbing.Contains(type) || type.StartsWith("Custom::", StringComparison.Ordinal))
        {
            return false;
        }

        // CDK's own helper functions (log retention, custom-resource providers) run on Node.js; ours on provided.al2023.
        // Runtime may be a string or, for the CDK's own helper functions, an intrinsic such as a mapping lookup.
        var runtime = resource["Properties"]?["Runtime"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
        return type != "AWS::Lambda::Function" || runtime?.StartsWith("nodejs", StringComparison.Ordinal) != true;
    }

    /// <summary>A role used by a shown resource, whose policy names shown resources: draw the user acting on them, labelled with the services of the actions.</summary>
    private static void AddPolicyEdges(JsonObject resources, Dictionary<string, string> types, HashSet<string> shown, Func<string, string> nodeOf, Action<string, string, string?> addEdge)
    {
        var usersOfRole = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var id in shown)
        {
            foreach (var target in References(resources[id]!["Properties"]).Where(t => types.GetValueOrDefault(t) == "AWS::IAM::Role"))
            {
                if (!usersOfRole.TryGetValue(target, out var users))
                {
                    usersOfRole[target] = users = [];
                }

                users.Add(id);
            }
        }

        foreach (var id in types.Where(entry => entry.Value == "AWS::IAM::Policy").Select(entry => entry.Key).Order(StringComparer.Ordinal))
        {
            var properties = resources[id]!["Properties"];
            var roles = References(properties?["Roles"]).ToList();
            foreach (var statement in properties?["PolicyDocument"]?["Statement"]?.AsArray() ?? [])
            {
                var actions = Strings(statement?["Action"]).Select(action => action.Split(':')[0]).Distinct().Order(StringComparer.Ordinal).ToList();
                var users = roles.SelectMany(role => usersOfRole.GetValueOrDefault(role) ?? []).ToList();
                foreach (var external in actions.Where(ExternalServices.ContainsKey))
                {
                    foreach (var user in users)
                    {
                        addEdge(nodeOf(user), ExternalNodeId(external), string.Join("/", actions));
                    }
                }

                foreach (var target in References(statement?["Resource"]).Where(shown.Contains))
                {
                    foreach (var user in roles.SelectMany(role => usersOfRole.GetValueOrDefault(role) ?? []))
                    {
                        addEdge(nodeOf(user), nodeOf(target), string.Join("/", actions));
                    }
                }
            }
        }
    }

    /// <summary>A Lambda permission names a function and the resource allowed to invoke it: draw the invoker calling the function.</summary>
    private static void AddPermissionEdges(JsonObject resources, Dictionary<string, string> types, HashSet<string> shown, Func<string, string> nodeOf, Action<string, string, string?> addEdge)
    {
        foreach (var id in types.Where(entry => entry.Value == "AWS::Lambda::Permission").Select(entry => entry.Key).Order(StringComparer.Ordinal))
        {
            var properties = resources[id]!["Properties"];
            var functions = References(properties?["FunctionName"]).Where(shown.Contains).ToList();
            foreach (var source in References(properties?["SourceArn"]).Where(shown.Contains))
            {
                foreach (var function in functions)
                {
                    addEdge(nodeOf(source), nodeOf(function), "invoke");
                }
            }
        }
    }

    /// <summary>Logical ids named by Ref, Fn::GetAtt or ${Name} in Fn::Sub anywhere below a node.</summary>
    private static IEnumerable<string> References(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (key == "Ref" && value is JsonValue reference && reference.TryGetValue<string>(out var name))
                    {
                        yield return name;
                    }
                    else if (key == "Fn::GetAtt" && value is JsonArray getAtt && getAtt.Count > 0 && getAtt[0] is JsonValue target && target.TryGetValue<string>(out var attName))
                    {
                        yield return attName;
                    }
                    else if (key == "Fn::Sub")
                    {
                        var template = value is JsonArray sub ? sub[0] : value;
                        if (template is JsonValue text && text.TryGetValue<string>(out var pattern))
                        {
                            foreach (Match match in SubReference().Matches(pattern))
                            {
                                yield return match.Groups["name"].Value;
                            }
                        }

                        if (value is JsonArray withVariables && withVariables.Count > 1)
                        {
                            foreach (var nested in References(withVariables[1]))
                            {
                                yield return nested;
                            }
                        }
                    }
                    else
                    {
                        foreach (var nested in References(value))
                        {
                            yield return nested;
                        }
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    foreach (var nested in References(item))
                    {
                        yield return nested;
                    }
                }

                break;
        }
    }

    private static IEnumerable<string> DependsOn(JsonNode resource) => Strings(resource["DependsOn"]);

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) => [text],
        JsonArray array => array.OfType<JsonValue>().Select(item => item.TryGetValue<string>(out var text) ? text : null).OfType<string>(),
        _ => [],
    };

    private const string ExternalPrefix = "external_";

    private static string ExternalNodeId(string service) => ExternalPrefix + service;

    private static string CollapsedId(string type) => type.Replace("::", "_", StringComparison.Ordinal) + "_all";

    private static string TypeOfNode(string node, Dictionary<string, string> types) =>
        types.TryGetValue(node, out var type) ? type : Collapsed.First(collapsed => CollapsedId(collapsed) == node);

    private static string Service(string type) => type.Split("::") is [_, var service, _] ? service : type;

    private static string ServiceLabel(string service) => service switch
    {
        "ApiGatewayV2" => "API Gateway",
        "ElasticLoadBalancingV2" => "Elastic Load Balancing",
        "EC2" => "EC2 / VPC",
        "Events" => "EventBridge",
        "StepFunctions" => "Step Functions",
        _ => service,
    };

    private static string Label(string node, Dictionary<string, string> types, HashSet<string> shown)
    {
        if (!types.TryGetValue(node, out var nodeType))
        {
            var type = TypeOfNode(node, types);
            var count = shown.Count(id => types[id] == type);
            return string.Create(CultureInfo.InvariantCulture, $"{count} × {type.Split("::")[^1]}");
        }

        // CDK appends an 8-character hash of the construct path to each logical id; the readable part is before it.
        var name = CdkHashSuffix().Replace(node, string.Empty);
        return $"{name}\\n{nodeType.Split("::")[^1]}";
    }

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}")]
    private static partial Regex SubReference();

    [GeneratedRegex("[0-9A-F]{8}$")]
    private static partial Regex CdkHashSuffix();
}
