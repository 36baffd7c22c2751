using System.Globalization;
using System.Text.Json.Nodes;

namespace ReferenceArchitectures.Tools.Advisor.Diagrams;

/// <summary>
/// The rules that turn a template into arrows. Each reads one kind of relation the template states (a role's policy,
/// a state machine's task, a rule's target, an alarm's action, ...) and draws it from the caller to the callee,
/// labelled with the call. A rule is written once per resource type, never per stack or logical id.
/// </summary>
internal static class DataFlowRules
{
    private const string S3Bucket = "AWS::S3::Bucket";

    public static void Apply(GraphBuilder graph)
    {
        FrontDoors(graph);
        RolePolicies(graph);
        StateMachineTasks(graph);
        EventRules(graph);
        BucketNotifications(graph);
        LambdaPermissions(graph);
        // After every rule that can write to a bucket or take events from one.
        Uploads(graph);
        Alarms(graph);
        KeyPolicies(graph);
        LogDestinations(graph);
        Capacity(graph);
        CustomResourceHandlers(graph);
        Subnets(graph);
    }

    /// <summary>Where clients come in: an HTTP API's routes, a Function URL, an internet-facing load balancer's listeners.</summary>
    private static void FrontDoors(GraphBuilder graph)
    {
        var template = graph.Template;
        foreach (var api in template.OfType("AWS::ApiGatewayV2::Api"))
        {
            var routes = template.OfType("AWS::ApiGatewayV2::Route").Where(route => template.ReferencesIn(template.Properties(route)?["ApiId"]).Contains(api));
            foreach (var routeKey in routes.Select(route => CloudFormationTemplate.Text(template.Properties(route)?["RouteKey"])).OfType<string>())
            {
                graph.Connect(ArchitectureGraph.ClientId, graph.NodeOf(api), routeKey, EdgeFlow.Request);
            }
        }

        foreach (var integration in template.OfType("AWS::ApiGatewayV2::Integration"))
        {
            foreach (var target in template.ReferencesIn(template.Properties(integration)?["IntegrationUri"]))
            {
                graph.Link(integration, target, ServiceCalls.Delivery(template.StackName, template.TypeOf(target), "an API Gateway integration"), EdgeFlow.Request);
            }
        }

        foreach (var url in template.OfType("AWS::Lambda::Url"))
        {
            var properties = template.Properties(url);
            // lambda:InvokeFunctionUrl is what the caller needs; a streamed response is what makes this door different from the API.
            var label = CloudFormationTemplate.Text(properties?["InvokeMode"]) == "RESPONSE_STREAM" ? "InvokeFunctionUrl (streamed)" : "InvokeFunctionUrl";
            foreach (var function in template.ReferencesIn(properties?["TargetFunctionArn"]))
            {
                graph.Connect(ArchitectureGraph.ClientId, graph.NodeOf(function), label, EdgeFlow.Request);
            }
        }

        foreach (var listener in template.OfType("AWS::ElasticLoadBalancingV2::Listener"))
        {
            var properties = template.Properties(listener);
            var loadBalancer = template.ReferencesIn(properties?["LoadBalancerArn"]).FirstOrDefault();
            // The default scheme is internet-facing; an internal load balancer's callers are inside the VPC.
            if (loadBalancer is not null && CloudFormationTemplate.Text(template.Properties(loadBalancer)?["Scheme"]) != "internal")
            {
                graph.Connect(ArchitectureGraph.ClientId, graph.NodeOf(listener), Port(properties), EdgeFlow.Request);
            }
        }

        foreach (var service in template.OfType("AWS::ECS::Service"))
        {
            foreach (var targetGroup in (template.Properties(service)?["LoadBalancers"]?.AsArray() ?? []).SelectMany(entry => template.ReferencesIn(entry?["TargetGroupArn"])))
            {
                foreach (var forwarder in ResourceKinds.Forwarders(template, targetGroup))
                {
                    graph.Connect(graph.NodeOf(forwarder), graph.NodeOf(service), Port(template.Properties(targetGroup)), EdgeFlow.Request);
                }
            }
        }
    }

    private static string Port(JsonNode? listenerOrTargetGroup) => string.Create(CultureInfo.InvariantCulture,
        $"{CloudFormationTemplate.Text(listenerOrTargetGroup?["Protocol"])} :{listenerOrTargetGroup?["Port"]}");

    /// <summary>
    /// A resource that names a role acts with it: each allowed statement draws the resource calling what the
    /// statement's Resource names, labelled with the statement's actions. State machines are left to their
    /// definition, which says which call each task makes (a grant for RunTask does not say it waits with .sync).
    /// </summary>
    private static void RolePolicies(GraphBuilder graph)
    {
        var template = graph.Template;
        var usersOfRole = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var id in template.Ids.Where(id => graph.NodeOf(id) is not null && template.TypeOf(id) != "AWS::StepFunctions::StateMachine"))
        {
            foreach (var role in template.ReferencesIn(template.Properties(id)).SelectMany(target => RolesBehind(template, target)))
            {
                if (!usersOfRole.TryGetValue(role, out var users))
                {
                    usersOfRole[role] = users = new SortedSet<string>(StringComparer.Ordinal);
                }

                users.Add(id);
            }
        }

        foreach (var (role, document) in PolicyDocuments(template))
        {
            foreach (var statement in document?["Statement"]?.AsArray() ?? [])
            {
                if (CloudFormationTemplate.Text(statement?["Effect"]) != "Allow")
                {
                    continue;
                }

                var actions = CloudFormationTemplate.Strings(statement?["Action"]).ToList();
                foreach (var user in usersOfRole.GetValueOrDefault(role) ?? [])
                {
                    foreach (var (service, _) in ServiceCalls.ExternalServices)
                    {
                        foreach (var action in actions.Where(action => ServiceCalls.ServiceOf(action) == service))
                        {
                            graph.Connect(graph.NodeOf(user), ArchitectureGraph.ExternalPrefix + service, ServiceCalls.ActionLabel(action), EdgeFlow.Request);
                        }
                    }

                    // Log groups get no arrows; see LogDestinations.
                    foreach (var target in template.ReferencesIn(statement?["Resource"]).Where(target => template.TypeOf(target) != "AWS::Logs::LogGroup"))
                    {
                        foreach (var action in actions)
                        {
                            graph.Link(user, target, ServiceCalls.ActionLabel(action), EdgeFlow.Request);
                        }
                    }
                }
            }
        }
    }

    /// <summary>A role named directly, or through the instance profile an EC2 launch template names.</summary>
    private static IEnumerable<string> RolesBehind(CloudFormationTemplate template, string id) => template.TypeOf(id) switch
    {
        "AWS::IAM::Role" => [id],
        "AWS::IAM::InstanceProfile" => template.ReferencesIn(template.Properties(id)?["Roles"]),
        _ => [],
    };

    /// <summary>Every policy document attached to a role: separate policies, managed policies and a role's inline policies.</summary>
    private static IEnumerable<(string Role, JsonNode? Document)> PolicyDocuments(CloudFormationTemplate template)
    {
        foreach (var policy in template.OfType("AWS::IAM::Policy").Concat(template.OfType("AWS::IAM::ManagedPolicy")))
        {
            foreach (var role in template.ReferencesIn(template.Properties(policy)?["Roles"]))
            {
                yield return (role, template.Properties(policy)?["PolicyDocument"]);
            }
        }

        foreach (var role in template.OfType("AWS::IAM::Role"))
        {
            foreach (var inline in template.Properties(role)?["Policies"]?.AsArray() ?? [])
            {
                yield return (role, inline?["PolicyDocument"]);
            }
        }
    }

    /// <summary>Each Task state draws the state machine calling its target with the task's call (<c>RunTask .sync</c>, <c>InvokeFunction</c>).</summary>
    private static void StateMachineTasks(GraphBuilder graph)
    {
        foreach (var stateMachine in graph.Template.OfType("AWS::StepFunctions::StateMachine"))
        {
            foreach (var task in StateMachineDefinition.Tasks(graph.Template, stateMachine))
            {
                foreach (var target in task.Targets)
                {
                    graph.Link(stateMachine, target, task.Call, EdgeFlow.Request);
                    // The task runs in the subnets its call names (a Fargate task's network configuration).
                    PlaceInSubnets(graph, graph.NodeOf(target), task.Subnets);
                }
            }
        }
    }

    /// <summary>
    /// An EventBridge rule takes events from the resources its pattern names and delivers them to its targets.
    /// S3 sends events to EventBridge only when the bucket turns that on, so a bucket feeds a rule only then.
    /// </summary>
    private static void EventRules(GraphBuilder graph)
    {
        var template = graph.Template;
        foreach (var rule in template.OfType("AWS::Events::Rule"))
        {
            var properties = template.Properties(rule);
            var pattern = properties?["EventPattern"];
            var eventName = string.Join(", ", CloudFormationTemplate.Strings(pattern?["detail-type"]).DefaultIfEmpty("events"));
            foreach (var source in template.ReferencesIn(pattern))
            {
                if (template.TypeOf(source) != S3Bucket || CloudFormationTemplate.IsTrue(template.Properties(source)?["NotificationConfiguration"]?["EventBridgeConfiguration"]?["EventBridgeEnabled"]))
                {
                    graph.Link(source, rule, eventName, EdgeFlow.Request);
                }
            }

            foreach (var target in properties?["Targets"]?.AsArray() ?? [])
            {
                foreach (var destination in template.ReferencesIn(target?["Arn"]))
                {
                    graph.Link(rule, destination, ServiceCalls.Delivery(template.StackName, template.TypeOf(destination), "an EventBridge rule"), EdgeFlow.Request);
                }

                // Events the target could not take go to the target's dead-letter queue.
                foreach (var queue in template.ReferencesIn(target?["DeadLetterConfig"]?["Arn"]))
                {
                    graph.Link(rule, queue, ServiceCalls.Delivery(template.StackName, template.TypeOf(queue), "an EventBridge rule") + " (dead letter)", EdgeFlow.Request);
                }
            }
        }
    }

    /// <summary>A bucket's notification configuration sends its events straight to functions, queues and topics.</summary>
    private static void BucketNotifications(GraphBuilder graph)
    {
        var template = graph.Template;
        foreach (var bucket in template.OfType(S3Bucket))
        {
            var notifications = template.Properties(bucket)?["NotificationConfiguration"];
            foreach (var (list, key) in new[] { ("LambdaConfigurations", "Function"), ("QueueConfigurations", "Queue"), ("TopicConfigurations", "Topic") })
            {
                foreach (var target in (notifications?[list]?.AsArray() ?? []).SelectMany(entry => template.ReferencesIn(entry?[key])))
                {
                    graph.Link(bucket, target, ServiceCalls.Delivery(template.StackName, template.TypeOf(target), "an S3 bucket notification"), EdgeFlow.Request);
                }
            }
        }
    }

    /// <summary>A Lambda permission lets the resource its SourceArn names invoke the function.</summary>
    private static void LambdaPermissions(GraphBuilder graph)
    {
        var template = graph.Template;
        foreach (var permission in template.OfType("AWS::Lambda::Permission"))
        {
            var properties = template.Properties(permission);
            var label = ServiceCalls.ActionLabel(CloudFormationTemplate.Text(properties?["Action"]) ?? "lambda:InvokeFunction");
            foreach (var function in template.ReferencesIn(properties?["FunctionName"]))
            {
                foreach (var source in template.ReferencesIn(properties?["SourceArn"]))
                {
                    graph.Link(source, function, label, EdgeFlow.Request);
                }
            }
        }
    }

    /// <summary>
    /// A bucket whose events start work, and which nothing in the stack may write to, is filled from outside:
    /// draw the client uploading to it.
    /// </summary>
    private static void Uploads(GraphBuilder graph)
    {
        foreach (var bucket in graph.Template.OfType(S3Bucket).Select(graph.NodeOf).OfType<string>())
        {
            if (graph.EdgesFrom(bucket, EdgeFlow.Request).Any() && !graph.EdgesInto(bucket, EdgeFlow.Request).Any(edge => edge.Labels.Contains("PutObject")))
            {
                graph.Connect(ArchitectureGraph.ClientId, bucket, "PutObject", EdgeFlow.Request);
            }
        }
    }

    /// <summary>
    /// An alarm watches the metrics of the resources its dimensions name (drawn from the resource to the alarms,
    /// the way the metrics travel) and notifies its actions.
    /// </summary>
    private static void Alarms(GraphBuilder graph)
    {
        var template = graph.Template;
        foreach (var alarm in template.OfType("AWS::CloudWatch::Alarm"))
        {
            var properties = template.Properties(alarm);
            var metrics = new List<(string? Name, JsonNode? Dimensions)> { (CloudFormationTemplate.Text(properties?["MetricName"]), properties?["Dimensions"]) };
            metrics.AddRange((properties?["Metrics"]?.AsArray() ?? []).Select(metric =>
                (CloudFormationTemplate.Text(metric?["MetricStat"]?["Metric"]?["MetricName"]), metric?["MetricStat"]?["Metric"]?["Dimensions"])));
            foreach (var (name, dimensions) in metrics.Where(metric => metric.Name is not null))
            {
                foreach (var source in template.ReferencesIn(dimensions))
                {
                    graph.Link(source, alarm, name!, EdgeFlow.Telemetry);
                }
            }

            foreach (var action in AlarmActionKeys.SelectMany(key => template.ReferencesIn(properties?[key])))
            {
                // Alarm actions can also be scaling policies, which are not drawn.
                if (ServiceCalls.IsDeliveryTarget(template.TypeOf(action)))
                {
                    graph.Link(alarm, action, ServiceCalls.Delivery(template.StackName, template.TypeOf(action), "a CloudWatch alarm"), EdgeFlow.Telemetry);
                }
            }
        }
    }

    private static readonly string[] AlarmActionKeys = ["AlarmActions", "OKActions", "InsufficientDataActions"];

    /// <summary>Service principals a key policy allows, and the resources that act as them.</summary>
    private static readonly Dictionary<string, string> ServicePrincipals = new(StringComparer.Ordinal)
    {
        // CloudWatch needs the key of an encrypted topic to publish an alarm to it.
        ["cloudwatch.amazonaws.com"] = "AWS::CloudWatch::Alarm",
    };

    /// <summary>A key policy is the only place that says which services may use a key: draw those services' resources calling it.</summary>
    private static void KeyPolicies(GraphBuilder graph)
    {
        var template = graph.Template;
        foreach (var key in template.OfType("AWS::KMS::Key"))
        {
            foreach (var statement in template.Properties(key)?["KeyPolicy"]?["Statement"]?.AsArray() ?? [])
            {
                if (CloudFormationTemplate.Text(statement?["Effect"]) != "Allow")
                {
                    continue;
                }

                foreach (var type in CloudFormationTemplate.Strings(statement?["Principal"]?["Service"]).Select(ServicePrincipals.GetValueOrDefault).OfType<string>())
                {
                    foreach (var caller in template.OfType(type))
                    {
                        foreach (var action in CloudFormationTemplate.Strings(statement?["Action"]))
                        {
                            graph.Link(caller, key, ServiceCalls.ActionLabel(action), EdgeFlow.Request);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Access logs: S3 server access logs and load balancer access logs go to a bucket. (Log groups get no arrows:
    /// every function, task and state machine writes to one, and an arrow from each would cross the whole diagram.)
    /// </summary>
    private static void LogDestinations(GraphBuilder graph)
    {
        var template = graph.Template;
        foreach (var bucket in template.OfType(S3Bucket))
        {
            foreach (var destination in template.ReferencesIn(template.Properties(bucket)?["LoggingConfiguration"]?["DestinationBucketName"]))
            {
                graph.Link(bucket, destination, "PutObject (access logs)", EdgeFlow.Telemetry);
            }
        }

        foreach (var loadBalancer in template.OfType("AWS::ElasticLoadBalancingV2::LoadBalancer"))
        {
            var attributes = template.Properties(loadBalancer)?["LoadBalancerAttributes"]?.AsArray() ?? [];
            foreach (var destination in attributes.Where(attribute => CloudFormationTemplate.Text(attribute?["Key"]) == "access_logs.s3.bucket")
                .SelectMany(attribute => template.ReferencesIn(attribute?["Value"])))
            {
                graph.Link(loadBalancer, destination, "PutObject (access logs)", EdgeFlow.Telemetry);
            }
        }
    }

    /// <summary>On EC2, an ECS service places its tasks through a capacity provider, which scales an Auto Scaling group, which launches from a template.</summary>
    private static void Capacity(GraphBuilder graph)
    {
        var template = graph.Template;
        foreach (var service in template.OfType("AWS::ECS::Service"))
        {
            foreach (var provider in (template.Properties(service)?["CapacityProviderStrategy"]?.AsArray() ?? []).SelectMany(entry => template.ReferencesIn(entry?["CapacityProvider"])))
            {
                graph.Link(service, provider, "places tasks", EdgeFlow.Placement);
            }
        }

        foreach (var provider in template.OfType("AWS::ECS::CapacityProvider"))
        {
            foreach (var group in template.ReferencesIn(template.Properties(provider)?["AutoScalingGroupProvider"]?["AutoScalingGroupArn"]))
            {
                graph.Link(provider, group, "scales", EdgeFlow.Placement);
            }
        }

        foreach (var group in template.OfType("AWS::AutoScaling::AutoScalingGroup"))
        {
            foreach (var launchTemplate in template.ReferencesIn(template.Properties(group)?["LaunchTemplate"]))
            {
                graph.Link(group, launchTemplate, "launches from", EdgeFlow.Placement);
            }
        }
    }

    private static void CustomResourceHandlers(GraphBuilder graph)
    {
        var template = graph.Template;
        foreach (var id in template.Ids.Where(id => template.TypeOf(id) == "AWS::CloudFormation::CustomResource" || template.TypeOf(id).StartsWith("Custom::", StringComparison.Ordinal)))
        {
            foreach (var handler in template.ReferencesIn(template.Properties(id)?["ServiceToken"]))
            {
                graph.MarkDeploymentFunction(handler);
            }
        }
    }

    /// <summary>A resource that names subnets runs in the VPC; drawn as a placement, not a call.</summary>
    private static void Subnets(GraphBuilder graph)
    {
        var template = graph.Template;
        foreach (var id in template.Ids.Where(id => template.TypeOf(id) != "AWS::StepFunctions::StateMachine"))
        {
            PlaceInSubnets(graph, graph.NodeOf(id), template.ReferencesIn(template.Properties(id)).Where(target => template.TypeOf(target) == "AWS::EC2::Subnet").ToList());
        }
    }

    private static void PlaceInSubnets(GraphBuilder graph, string? node, IReadOnlyList<string> subnets)
    {
        var template = graph.Template;
        foreach (var subnet in subnets)
        {
            var properties = template.Properties(subnet);
            // CDK tags each subnet with its type; without the tag, a subnet that gives public addresses is public.
            var subnetType = (properties?["Tags"]?.AsArray() ?? []).Where(tag => CloudFormationTemplate.Text(tag?["Key"]) == "aws-cdk:subnet-type")
                .Select(tag => CloudFormationTemplate.Text(tag?["Value"])).FirstOrDefault()
                ?? (CloudFormationTemplate.IsTrue(properties?["MapPublicIpOnLaunch"]) ? "Public" : "Private");
            foreach (var vpc in template.ReferencesIn(properties?["VpcId"]))
            {
                graph.Connect(node, graph.NodeOf(vpc), $"in {subnetType.ToLowerInvariant()} subnets", EdgeFlow.Placement);
            }
        }
    }
}
