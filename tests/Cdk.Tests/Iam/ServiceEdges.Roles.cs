using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ReferenceArchitectures.Cdk.Tests.Iam;

// The edges where a service acts through a role of the stack (EventBridge, Step Functions, ECS), and where it writes to a
// queue on its own: each is the service taking the role (its trust policy), then the role's own request (its identity
// policies, and the resource or key policy it meets).
public static partial class ServiceEdges
{
    private const string EventBridge = "events.amazonaws.com";
    private const string StepFunctions = "states.amazonaws.com";
    private const string EcsTasks = "ecs-tasks.amazonaws.com";

    private static readonly string[] KeyActionsForSenders = ["kms:GenerateDataKey", "kms:Decrypt"];

    private static readonly string[] PassedRoles = ["TaskRoleArn", "ExecutionRoleArn"];

    private static readonly string[] ManagedRuleActions = ["events:PutTargets", "events:PutRule", "events:DescribeRule"];

    private static readonly string[] ImagePullActions = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"];

    private static readonly string[] LogActions = ["logs:CreateLogStream", "logs:PutLogEvents"];

    /// <summary>
    /// Every target of every EventBridge rule. A target reached through a role (a state machine: <c>states:StartExecution</c>)
    /// needs the role's trust policy to let <c>events.amazonaws.com</c> take it and the role's policy to allow the call
    /// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-identity-based.html). A queue, as a target or as a
    /// target's dead-letter queue, is written by EventBridge itself, so only the queue's policy (and the policy of the key
    /// that encrypts it) can allow <c>sqs:SendMessage</c>, for requests whose <c>aws:SourceArn</c> is the rule
    /// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sqs-permissions,
    /// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html). A function is invoked by EventBridge
    /// itself too: only the function's resource policy can allow <c>lambda:InvokeFunction</c>.
    /// </summary>
    public static IEnumerable<EdgeVerdict> RuleTargets(string stack, TemplateValues template)
    {
        ArgumentNullException.ThrowIfNull(template);
        foreach (var rule in template.OfType("AWS::Events::Rule"))
        {
            var ruleArn = template.Arn(rule);
            foreach (var target in template.Properties(rule)["Targets"]?.AsArray() ?? [])
            {
                var to = TemplateValues.ReferencedId(target!["Arn"]) ?? throw new InvalidOperationException($"{rule} targets something outside the template.");
                if (TemplateValues.ReferencedId(target["RoleArn"]) is { } role)
                {
                    yield return AssumeRole(stack, template, rule, EventBridge, role, ruleArn);
                    var action = template.Type(to) switch
                    {
                        "AWS::StepFunctions::StateMachine" => "states:StartExecution",
                        var other => throw new NotSupportedException($"{rule} reaches a {other} through a role; name the action it calls here."),
                    };
                    yield return AsRole(stack, template, rule, role, to, action, template.Arn(to), []);
                }
                else if (template.Type(to) == "AWS::Lambda::Function")
                {
                    // EventBridge invokes a function target itself, as events.amazonaws.com with aws:SourceArn the rule, so
                    // only the function's resource policy can allow it
                    // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-lambda-permissions).
                    var invoke = new AccessRequest(RequestPrincipal.ForService(EventBridge), "lambda:InvokeFunction", template.Arn(to), ServiceContext(template, ruleArn));
                    yield return new(stack, rule, to, $"lambda:InvokeFunction as {EventBridge}", PolicyEvaluator.Evaluate(invoke, [], FunctionPolicy(template)));
                }
                else
                {
                    foreach (var edge in SendToQueue(stack, template, rule, EventBridge, to, ruleArn))
                    {
                        yield return edge;
                    }
                }

                if (TemplateValues.ReferencedId(target["DeadLetterConfig"]?["Arn"]) is { } deadLetters)
                {
                    foreach (var edge in SendToQueue(stack, template, rule, EventBridge, deadLetters, ruleArn))
                    {
                        yield return edge;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Every call a state machine's Task states make, as the state machine's role, after <c>states.amazonaws.com</c> takes
    /// it: <c>lambda:InvokeFunction</c> on each function; <c>sqs:SendMessage</c> on each queue (and the key's actions when a
    /// customer key encrypts it); for <c>ecs:runTask.sync</c>, <c>ecs:RunTask</c> on the task definition, <c>iam:PassRole</c>
    /// of its task and execution roles to ECS, <c>ecs:DescribeTasks</c> and <c>ecs:StopTask</c>, and the managed rule
    /// Step Functions keeps to hear of the task's end (https://docs.aws.amazon.com/step-functions/latest/dg/ecs-iam.html,
    /// https://docs.aws.amazon.com/step-functions/latest/dg/lambda-iam.html,
    /// https://docs.aws.amazon.com/step-functions/latest/dg/sqs-iam.html). An integration not listed here fails the test, so
    /// that a new one gets its edges.
    /// </summary>
    public static IEnumerable<EdgeVerdict> StateMachineTasks(string stack, TemplateValues template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var (p, r, a) = (template.Target.Partition, template.Target.Region, template.Target.Account);
        foreach (var machine in template.OfType("AWS::StepFunctions::StateMachine"))
        {
            var properties = template.Properties(machine);
            var role = TemplateValues.ReferencedId(properties["RoleArn"]) ?? throw new InvalidOperationException($"{machine} runs as a role outside the template.");
            var machineArn = template.Arn(machine);
            yield return AssumeRole(stack, template, machine, StepFunctions, role, machineArn);

            var definition = JsonNode.Parse(template.Text(properties["DefinitionString"]))!.AsObject();
            foreach (var (name, state) in TaskStates(definition))
            {
                var resource = (string)state["Resource"]!;
                var parameters = state["Parameters"]?.AsObject() ?? [];
                var from = $"{machine}.{name}";
                switch (Regex.Replace(resource, @"^arn:[^:]+:states:::", ""))
                {
                    case "lambda:invoke":
                        var function = (string)parameters["FunctionName"]!;
                        yield return AsRole(stack, template, from, role, IdOfArn(template, "AWS::Lambda::Function", function), "lambda:InvokeFunction", function, []);
                        break;
                    case "sqs:sendMessage":
                        var queue = IdOfQueueUrl(template, (string)parameters["QueueUrl"]!);
                        yield return AsRole(stack, template, from, role, queue, "sqs:SendMessage", template.Arn(queue), QueuePolicies(template, queue));
                        // The role's own request: aws:SourceArn and aws:SourceAccount are set only when a service calls as its
                        // service principal (https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
                        var roleContext = new Dictionary<string, string[]> { ["aws:SecureTransport"] = ["true"], ["kms:ViaService"] = [$"sqs.{r}.amazonaws.com"] };
                        foreach (var edge in KeyOfQueue(stack, template, from, RequestPrincipal.ForRole(template.Arn(role)), queue, RolePolicies(template, role), roleContext))
                        {
                            yield return edge;
                        }

                        break;
                    case "ecs:runTask.sync":
                        // Role overrides need their own iam:PassRole, tags ecs:TagResource
                        // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/CWE_IAM_role.html): not modelled yet.
                        if (parameters["Overrides"]?["TaskRoleArn"] is not null || parameters["Overrides"]?["ExecutionRoleArn"] is not null
                            || parameters["Tags"] is not null || parameters["PropagateTags"] is not null)
                        {
                            throw new NotSupportedException($"{from} overrides the task's roles or tags the task; add the requests that makes here.");
                        }

                        var family = (string)parameters["TaskDefinition"]!;
                        var taskDefinition = template.OfType("AWS::ECS::TaskDefinition").Single(id => template.Text(template.Properties(id)["Family"]) == family.Split('/')[^1].Split(':')[0]);
                        var cluster = (string)parameters["Cluster"]!;
                        var clusterContext = new Dictionary<string, string[]> { ["ecs:cluster"] = [cluster] };
                        yield return AsRole(stack, template, from, role, taskDefinition, "ecs:RunTask", template.Arn(taskDefinition), [], clusterContext);
                        var task = $"arn:{p}:ecs:{r}:{a}:task/{cluster.Split('/')[^1]}/0123456789abcdef0123456789abcdef";
                        yield return AsRole(stack, template, from, role, taskDefinition, "ecs:DescribeTasks", task, [], clusterContext);
                        yield return AsRole(stack, template, from, role, taskDefinition, "ecs:StopTask", task, [], clusterContext);
                        foreach (var passed in PassedRoles.Select(key => TemplateValues.ReferencedId(template.Properties(taskDefinition)[key])).OfType<string>())
                        {
                            yield return AsRole(stack, template, from, role, passed, "iam:PassRole", template.Arn(passed), [],
                                new Dictionary<string, string[]> { ["iam:PassedToService"] = [EcsTasks] });
                        }

                        var managedRule = $"arn:{p}:events:{r}:{a}:rule/StepFunctionsGetEventsForECSTaskRule";
                        foreach (var action in ManagedRuleActions)
                        {
                            yield return AsRole(stack, template, from, role, "StepFunctionsGetEventsForECSTaskRule", action, managedRule, []);
                        }

                        break;
                    default:
                        throw new NotSupportedException($"{from} calls {resource}; list the requests that integration makes here.");
                }
            }
        }
    }

    /// <summary>
    /// What ECS does, as each task definition's execution role, before the container starts: pull its image from ECR
    /// (<c>ecr:GetAuthorizationToken</c>, which takes no resource, then the three layer and image actions on the repository)
    /// and create the log stream and write to the awslogs driver's group
    /// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html). A repository policy is
    /// needed only across accounts; the CDK's asset repository is in the stack's account.
    /// </summary>
    public static IEnumerable<EdgeVerdict> TaskStartup(string stack, TemplateValues template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var (p, r, a) = (template.Target.Partition, template.Target.Region, template.Target.Account);
        foreach (var taskDefinition in template.OfType("AWS::ECS::TaskDefinition"))
        {
            var properties = template.Properties(taskDefinition);
            if (TemplateValues.ReferencedId(properties["ExecutionRoleArn"]) is not { } role)
            {
                continue;
            }

            yield return AssumeRole(stack, template, taskDefinition, EcsTasks, role, $"arn:{p}:ecs:{r}:{a}:*");
            foreach (var container in properties["ContainerDefinitions"]?.AsArray() ?? [])
            {
                var name = template.Text(container!["Name"]);
                var image = template.Text(container["Image"]);
                if (EcrImage().Match(image) is { Success: true } ecr && ecr.Groups["account"].Value == a)
                {
                    var repository = $"arn:{p}:ecr:{ecr.Groups["region"].Value}:{a}:repository/{ecr.Groups["repository"].Value}";
                    yield return AsRole(stack, template, $"{taskDefinition}.{name}", role, "ECR", "ecr:GetAuthorizationToken", "*", []);
                    foreach (var action in ImagePullActions)
                    {
                        yield return AsRole(stack, template, $"{taskDefinition}.{name}", role, repository, action, repository, []);
                    }
                }

                var logging = container["LogConfiguration"];
                if (logging is not null && template.Text(logging["LogDriver"]) == "awslogs")
                {
                    var options = logging["Options"]!;
                    var group = template.Text(options["awslogs-group"]);
                    // Without a prefix the stream is named after the Docker container id, and Fargate requires one
                    // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html); awslogs-create-group
                    // would need logs:CreateLogGroup too. Neither is modelled.
                    if (options["awslogs-stream-prefix"] is not { } given || options["awslogs-create-group"] is not null)
                    {
                        throw new NotSupportedException($"{taskDefinition}.{name} logs without a stream prefix or creates its group; model those requests here.");
                    }

                    var prefix = template.Text(given) + "/";
                    var logStream = $"arn:{p}:logs:{r}:{a}:log-group:{group}:log-stream:{prefix}{name}/0123456789abcdef0123456789abcdef";
                    foreach (var action in LogActions)
                    {
                        yield return AsRole(stack, template, $"{taskDefinition}.{name}", role, group, action, logStream, []);
                    }
                }
            }
        }
    }

    /// <inheritdoc cref="TemplatePolicies.OfRole"/>
    public static IReadOnlyList<JsonNode> RolePolicies(TemplateValues template, string role) => TemplatePolicies.OfRole(template, role);

    /// <summary>The queue's policies from the template (a queue without one accepts only its own account's principals).</summary>
    public static IReadOnlyList<JsonNode> QueuePolicies(TemplateValues template, string queue) => TemplatePolicies.OfResource(template, queue);

    // A service principal takes a role with sts:AssumeRole, which only the role's trust policy can allow; services send
    // aws:SourceArn and aws:SourceAccount with it (https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
    private static EdgeVerdict AssumeRole(string stack, TemplateValues template, string from, string service, string role, string sourceArn)
    {
        var request = new AccessRequest(RequestPrincipal.ForService(service), "sts:AssumeRole", template.Arn(role), ServiceContext(template, sourceArn));
        var trust = template.Resolve(template.Properties(role)["AssumeRolePolicyDocument"])!;
        return new(stack, from, role, $"sts:AssumeRole as {service}", PolicyEvaluator.Evaluate(request, [], [trust]));
    }

    // A request made with a role's credentials, evaluated with the role's policies and the resource's own policies.
    private static EdgeVerdict AsRole(
        string stack, TemplateValues template, string from, string role, string to, string action, string resource,
        IReadOnlyList<JsonNode> resourcePolicies, IReadOnlyDictionary<string, string[]>? context = null)
    {
        var values = new Dictionary<string, string[]>(context ?? new Dictionary<string, string[]>()) { ["aws:SecureTransport"] = ["true"] };
        var request = new AccessRequest(RequestPrincipal.ForRole(template.Arn(role)), action, resource, values);
        return new(stack, from, to, action, PolicyEvaluator.Evaluate(request, RolePolicies(template, role), resourcePolicies));
    }

    private static IEnumerable<EdgeVerdict> SendToQueue(string stack, TemplateValues template, string from, string service, string queue, string sourceArn)
    {
        if (template.Type(queue) != "AWS::SQS::Queue")
        {
            throw new NotSupportedException($"{from} writes to a {template.Type(queue)} as {service}; evaluate that edge here.");
        }

        var context = ServiceContext(template, sourceArn);
        var send = new AccessRequest(RequestPrincipal.ForService(service), "sqs:SendMessage", template.Arn(queue), context);
        yield return new(stack, from, queue, $"sqs:SendMessage as {service}", PolicyEvaluator.Evaluate(send, [], QueuePolicies(template, queue)));
        foreach (var edge in KeyOfQueue(stack, template, from, RequestPrincipal.ForService(service), queue, [], context))
        {
            yield return edge;
        }
    }

    // A queue encrypted with a customer managed key: a sender needs kms:GenerateDataKey and kms:Decrypt on the key
    // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
    private static IEnumerable<EdgeVerdict> KeyOfQueue(
        string stack, TemplateValues template, string from, RequestPrincipal sender, string queue, IReadOnlyList<JsonNode> identityPolicies,
        IReadOnlyDictionary<string, string[]> context)
    {
        if (TemplateValues.ReferencedId(template.Properties(queue)["KmsMasterKeyId"]) is not { } key || template.Type(key) != "AWS::KMS::Key")
        {
            yield break;
        }

        var keyPolicy = template.Resolve(template.Properties(key)["KeyPolicy"])!;
        foreach (var action in KeyActionsForSenders)
        {
            var use = new AccessRequest(sender, action, template.Arn(key), context);
            yield return new(stack, from, key, action, PolicyEvaluator.Evaluate(use, identityPolicies, [keyPolicy], ResourcePolicyKind.KmsKey, template.Target.Account));
        }
    }

    private static Dictionary<string, string[]> ServiceContext(TemplateValues template, string sourceArn) => new()
    {
        ["aws:SourceArn"] = [sourceArn],
        ["aws:SourceAccount"] = [template.Target.Account],
        ["aws:SecureTransport"] = ["true"],
    };

    // Task states anywhere in the definition, Parallel branches and Map iterators included.
    private static IEnumerable<(string Name, JsonObject State)> TaskStates(JsonObject definition)
    {
        foreach (var (name, node) in definition["States"]!.AsObject())
        {
            var state = node!.AsObject();
            if ((string?)state["Type"] == "Task")
            {
                yield return (name, state);
            }

            var nested = (state["Branches"]?.AsArray().Select(branch => branch!.AsObject()) ?? [])
                .Concat(new[] { state["Iterator"], state["ItemProcessor"] }.OfType<JsonObject>());
            foreach (var inner in nested.SelectMany(TaskStates))
            {
                yield return inner;
            }
        }
    }

    private static string IdOfArn(TemplateValues template, string type, string arn) =>
        template.OfType(type).SingleOrDefault(id => template.Arn(id) == arn) ?? throw new InvalidOperationException($"No {type} of the template has the ARN {arn}.");

    private static string IdOfQueueUrl(TemplateValues template, string url) =>
        template.OfType("AWS::SQS::Queue").SingleOrDefault(id => template.Text(new JsonObject { ["Ref"] = id }) == url)
            ?? throw new InvalidOperationException($"No queue of the template has the URL {url}.");

    [GeneratedRegex(@"^(?<account>[0-9]{12})\.dkr\.ecr\.(?<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/(?<repository>[^:@]+)[:@]")]
    private static partial Regex EcrImage();
}
