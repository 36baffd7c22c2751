using System.Text.Json.Nodes;
using ReferenceArchitectures.Cdk.HybridPipeline;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>One Lambda function as the template configures it: what the runtime reads to start it.</summary>
/// <param name="Environment">Its environment variables, references resolved to the local resources' names.</param>
/// <param name="Role">The logical id of the function's execution role, whose credentials its calls are signed with.</param>
public sealed record TemplateFunction(string LogicalId, string Handler, int TimeoutSeconds, int MemorySizeMb, IReadOnlyDictionary<string, string> Environment, string Role);

/// <summary>
/// The synthesized HybridPipelineStack template as the local runs' fixture: which function each Task state invokes, with
/// the handler string, environment, memory and timeout the template gives it, and the worker container's environment.
/// Local runs read all of it from here, so a handler or variable renamed in the stack or in the code alone fails a test,
/// as it would fail in Lambda (Runtime.HandlerNotFound) or at the code's settings check.
/// References resolve as <see cref="PipelineDefinition.ResolveRef"/> does: each bucket, table and queue of the template
/// exists locally under its logical id (lower case for buckets).
/// </summary>
public sealed class PipelineTemplate
{
    private readonly JsonObject _resources;
    private readonly JsonObject _definition;

    public PipelineTemplate(string templateJson, string definitionJson)
    {
        _resources = JsonNode.Parse(templateJson)!["Resources"]!.AsObject();
        _definition = JsonNode.Parse(definitionJson)!.AsObject();
    }

    /// <summary>The default stack's template.</summary>
    public static PipelineTemplate Default { get; } = new(PipelineDefinition.TemplateJson, PipelineDefinition.Json);

    /// <summary>The bucket whose uploads the EventBridge rule sends to the state machine.</summary>
    public string InputBucket
    {
        get
        {
            var watched = OfType("AWS::Events::Rule")
                .Select(rule => TemplateRef(rule.Value["Properties"]?["EventPattern"]?["detail"]?["bucket"]?["name"]?[0]))
                .Where(id => id is not null).ToList();
            return watched.Count == 1 ? LocalName(watched[0])
                : throw new InvalidOperationException($"Expected one rule that watches a bucket, found {watched.Count}.");
        }
    }

    /// <summary>The one bucket that is neither the input bucket nor a bucket that receives access logs.</summary>
    public string OutputBucket
    {
        get
        {
            var logTargets = OfType("AWS::S3::Bucket")
                .Select(bucket => TemplateRef(bucket.Value["Properties"]?["LoggingConfiguration"]?["DestinationBucketName"]))
                .Where(id => id is not null).ToHashSet();
            var candidates = OfType("AWS::S3::Bucket").Select(b => b.Key)
                .Where(id => !logTargets.Contains(id) && LocalName(id) != InputBucket).ToList();
            return candidates.Count == 1 ? LocalName(candidates[0])
                : throw new InvalidOperationException($"Expected one output bucket in the template, found {candidates.Count}: {string.Join(", ", candidates)}.");
        }
    }

    public string Table => LocalName(Single("AWS::DynamoDB::Table", _ => null));

    /// <summary>
    /// The queue that the upload queue's redrive policy moves to, and where every dead letter goes: its local name, which
    /// the template's references to it resolve to the end of a URL of.
    /// </summary>
    public string DeadLetterQueue
    {
        get
        {
            var targets = OfType("AWS::SQS::Queue")
                .Select(queue => queue.Value["Properties"]?["RedrivePolicy"]?["deadLetterTargetArn"]?["Fn::GetAtt"]?[0])
                .OfType<JsonNode>().Select(id => (string)id!).Distinct().ToList();
            return targets.Count == 1 ? targets[0]
                : throw new InvalidOperationException($"Expected one queue that another queue dead-letters to, found {targets.Count}.");
        }
    }

    /// <summary>The queue uploads wait in for the execution gate: the one queue with a redrive policy.</summary>
    public string UploadQueue
    {
        get
        {
            var queues = OfType("AWS::SQS::Queue").Where(queue => queue.Value["Properties"]?["RedrivePolicy"] is not null).Select(queue => queue.Key).ToList();
            return queues.Count == 1 ? queues[0]
                : throw new InvalidOperationException($"Expected one queue with a redrive policy, found {queues.Count}.");
        }
    }

    /// <summary>The function a Lambda Task state invokes, by the <c>FunctionName</c> of its parameters.</summary>
    public TemplateFunction FunctionOfState(string state)
    {
        var functionArn = (string?)_definition["States"]?[state]?["Parameters"]?["FunctionName"]
            ?? throw new InvalidOperationException($"The state machine has no Lambda Task state '{state}'.");
        var id = functionArn[(functionArn.LastIndexOf(':') + 1)..];
        return _resources[id]?["Properties"] is not null
            ? Function(id)
            : throw new InvalidOperationException($"State '{state}' invokes '{id}', which is not a resource of the template.");
    }

    /// <summary>The one function the template runs with <paramref name="handler"/>, whatever invokes it.</summary>
    public TemplateFunction FunctionWithHandler(string handler)
    {
        var matches = OfType("AWS::Lambda::Function").Where(f => (string?)f.Value["Properties"]?["Handler"] == handler).Select(f => f.Key).ToList();
        return matches.Count == 1 ? Function(matches[0])
            : throw new InvalidOperationException($"Expected one function with the handler '{handler}', found {matches.Count}.");
    }

    private TemplateFunction Function(string id)
    {
        var properties = _resources[id]!["Properties"]!;
        var variables = properties["Environment"]?["Variables"]?.AsObject() ?? [];
        return new TemplateFunction(
            id,
            (string)properties["Handler"]!,
            (int)properties["Timeout"]!,
            (int)properties["MemorySize"]!,
            variables.ToDictionary(v => v.Key, v => PipelineDefinition.ResolveNode(v.Value, _resources), StringComparer.Ordinal),
            AttributeOf(properties["Role"], "Arn", $"function {id}'s Role"));
    }

    /// <summary>The logical id of the worker's task role: what the container's calls are signed as.</summary>
    public string WorkerTaskRole => AttributeOf(WorkerTaskDefinition["Properties"]!["TaskRoleArn"], "Arn", "the worker's TaskRoleArn");

    /// <summary>The logical id of the state machine's role: what its service integrations (SQS SendMessage) are signed as.</summary>
    public string StateMachineRole =>
        AttributeOf(_resources[Single("AWS::StepFunctions::StateMachine", _ => null)]!["Properties"]!["RoleArn"], "Arn", "the state machine's RoleArn");

    private JsonNode WorkerTaskDefinition => OfType("AWS::ECS::TaskDefinition")
        .Single(task => task.Value["Properties"]!["ContainerDefinitions"]!.AsArray().Any(c => (string?)c!["Name"] == HybridPipelineStack.WorkerContainerName)).Value;

    private static string AttributeOf(JsonNode? node, string attribute, string what) =>
        node is JsonObject o && o["Fn::GetAtt"] is JsonArray pair && (string?)pair[1] == attribute
            ? (string)pair[0]!
            : throw new InvalidOperationException($"Expected {what} to be a Fn::GetAtt of {attribute}, found {node?.ToJsonString()}.");

    /// <summary>The environment the task definition gives the container the state machine runs with <c>RunTask</c>.</summary>
    public IReadOnlyDictionary<string, string> WorkerEnvironment()
    {
        var container = OfType("AWS::ECS::TaskDefinition")
            .SelectMany(task => task.Value["Properties"]!["ContainerDefinitions"]!.AsArray())
            .SingleOrDefault(c => (string?)c!["Name"] == HybridPipelineStack.WorkerContainerName)
            ?? throw new InvalidOperationException($"No task definition has a container named {HybridPipelineStack.WorkerContainerName}.");
        return (container["Environment"]?.AsArray() ?? []).ToDictionary(
            variable => (string)variable!["Name"]!, variable => PipelineDefinition.ResolveNode(variable!["Value"], _resources), StringComparer.Ordinal);
    }

    private string LocalName(string? id) => PipelineDefinition.ResolveRef(id!, _resources);

    private IEnumerable<KeyValuePair<string, JsonNode>> OfType(string type) =>
        _resources.Where(r => (string?)r.Value!["Type"] == type).Select(r => KeyValuePair.Create(r.Key, r.Value!));

    private string Single(string type, Func<JsonNode, string?> pick)
    {
        var matches = OfType(type).ToList();
        return matches.Count == 1
            ? pick(matches[0].Value) ?? matches[0].Key
            : throw new InvalidOperationException($"Expected one {type} in the template, found {matches.Count}.");
    }

    private static string? TemplateRef(JsonNode? node) => node is JsonObject o && o["Ref"] is JsonValue r ? (string)r! : null;
}
