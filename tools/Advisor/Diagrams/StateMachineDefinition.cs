using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ReferenceArchitectures.Tools.Advisor.Diagrams;

/// <summary>One Task state: the resources it calls, with which call, and the subnets its call runs them in.</summary>
public sealed record StateMachineTask(string State, string Call, IReadOnlyList<string> Targets, IReadOnlyList<string> Subnets);

/// <summary>
/// Reads the Task states of a state machine's Amazon States Language definition, as CDK writes it: a
/// DefinitionString joined from text and Refs/GetAtts. The task's Resource says which integration it uses
/// (<c>arn:aws:states:::ecs:runTask.sync</c>); the integration's target parameter says which resource it calls.
/// </summary>
public static partial class StateMachineDefinition
{
    public static IReadOnlyList<StateMachineTask> Tasks(CloudFormationTemplate template, string stateMachineId)
    {
        ArgumentNullException.ThrowIfNull(template);
        var properties = template.Properties(stateMachineId);
        var text = properties?["DefinitionString"] is { } definitionString
            ? CloudFormationTemplate.Flatten(definitionString)
            : properties?["Definition"]?.ToJsonString() ?? "{}";
        var definition = JsonNode.Parse(text)
            ?? throw new InvalidOperationException($"{template.StackName}: the definition of {stateMachineId} is not JSON.");
        var tasks = new List<StateMachineTask>();
        Collect(template, definition["States"]?.AsObject(), tasks);
        return tasks;
    }

    private static void Collect(CloudFormationTemplate template, JsonObject? states, List<StateMachineTask> tasks)
    {
        foreach (var (name, state) in states ?? [])
        {
            switch (CloudFormationTemplate.Text(state?["Type"]))
            {
                case "Task":
                    if (Read(template, name, state!) is { } task)
                    {
                        tasks.Add(task);
                    }

                    break;
                case "Parallel":
                    foreach (var branch in state?["Branches"]?.AsArray() ?? [])
                    {
                        Collect(template, branch?["States"]?.AsObject(), tasks);
                    }

                    break;
                case "Map":
                    Collect(template, (state?["ItemProcessor"] ?? state?["Iterator"])?["States"]?.AsObject(), tasks);
                    break;
            }
        }
    }

    private static StateMachineTask? Read(CloudFormationTemplate template, string name, JsonNode state)
    {
        var resource = CloudFormationTemplate.Text(state["Resource"]) ?? string.Empty;
        // JSONata states take Arguments where JSONPath states take Parameters.
        var parameters = state["Parameters"] ?? state["Arguments"];
        var subnets = References(template, parameters).Where(id => template.TypeOf(id) == "AWS::EC2::Subnet").ToList();
        var integration = Integration().Match(resource);
        if (integration.Success)
        {
            var service = integration.Groups["service"].Value;
            var targetParameter = parameters?[ServiceCalls.IntegrationTarget(template.StackName, service)];
            var targets = References(template, targetParameter).Concat(TaskDefinitionsNamed(template, targetParameter)).Distinct().ToList();
            return new StateMachineTask(name, ServiceCalls.IntegrationLabel(service, integration.Groups["action"].Value, integration.Groups["pattern"].Value), targets, subnets);
        }

        // A Lambda function's ARN as the Resource is the older way of invoking it.
        var functions = template.ReferencesIn(resource).Where(id => template.TypeOf(id) == "AWS::Lambda::Function").ToList();
        return functions.Count > 0 ? new StateMachineTask(name, "InvokeFunction", functions, subnets) : null;
    }

    private static IEnumerable<string> References(CloudFormationTemplate template, JsonNode? node) =>
        node is null ? [] : template.ReferencesIn(node.ToJsonString()).Concat(template.ReferencesIn(node));

    /// <summary>
    /// ECS takes a task definition as <c>family</c>, <c>family:revision</c> or an ARN ending in either; CDK writes the
    /// family, not a Ref, into the definition, so the task definition is the one with that Family.
    /// </summary>
    private static IEnumerable<string> TaskDefinitionsNamed(CloudFormationTemplate template, JsonNode? parameter)
    {
        if (CloudFormationTemplate.Text(parameter) is not { } name)
        {
            return [];
        }

        var family = name[(name.LastIndexOf('/') + 1)..].Split(':')[0];
        return template.OfType("AWS::ECS::TaskDefinition").Where(id => CloudFormationTemplate.Text(template.Properties(id)?["Family"]) == family);
    }

    [GeneratedRegex(@":states:::(?:aws-sdk:)?(?<service>[a-z0-9-]+):(?<action>[A-Za-z0-9]+)(?<pattern>\.sync(?::2)?|\.waitForTaskToken)?$")]
    private static partial Regex Integration();
}
