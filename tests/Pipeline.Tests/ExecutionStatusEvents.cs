using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.SQS;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>
/// EventBridge's part after an execution ends, as the template configures it: the "Step Functions Execution Status
/// Change" event for the local execution, matched against every rule of the template that listens to
/// <c>aws.states</c>, and sent to each rule's SQS targets. The rules come from the template, so a status left out of
/// the rule in the stack leaves the local execution without a dead letter too.
/// </summary>
/// <remarks>
/// The event's shape: the EventBridge envelope with <c>detail</c> as DescribeExecution describes an execution
/// (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html,
/// https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html), the input as a JSON string.
/// The pattern matcher knows exact-value arrays and nested objects, the only forms the template uses; any other
/// pattern form fails the test instead of being guessed at. Relaxed: Step Functions delivers these events on a best-effort
/// basis (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html); here every one arrives.
/// </remarks>
public sealed class ExecutionStatusEvents
{
    private readonly List<(JsonObject Pattern, IReadOnlyList<string> Queues)> _rules = [];

    public ExecutionStatusEvents(string templateJson)
    {
        var resources = JsonNode.Parse(templateJson)!["Resources"]!.AsObject();
        foreach (var (_, rule) in resources.Where(r => (string?)r.Value!["Type"] == "AWS::Events::Rule"))
        {
            var properties = rule!["Properties"]!;
            if (properties["EventPattern"]?["source"]?.AsArray().Any(source => (string?)source == "aws.states") != true)
            {
                continue;
            }

            var pattern = Resolve(properties["EventPattern"]!, resources).AsObject();
            // A function target is the execution gate, which these runs do not start through; ExecutionGateTests drive it.
            var queues = properties["Targets"]!.AsArray()
                .Where(target => !(target!["Arn"]?["Fn::GetAtt"] is JsonArray function && (string?)resources[(string)function[0]!]?["Type"] == "AWS::Lambda::Function"))
                .Select(target => target!["Arn"]?["Fn::GetAtt"] is JsonArray pair && (string?)resources[(string)pair[0]!]?["Type"] == "AWS::SQS::Queue"
                    ? (string)pair[0]!
                    : throw new InvalidOperationException($"A rule on aws.states has a target that is not an SQS queue: {target!.ToJsonString()}"))
                .ToList();
            _rules.Add((pattern, queues));
        }
    }

    /// <summary>The event Step Functions sends when <paramref name="outcome"/>'s execution ends.</summary>
    public static JsonObject EventFor(ExecutionOutcome outcome, JsonNode input, DateTimeOffset startedAt, DateTimeOffset stoppedAt)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(input);
        string Time(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["version"] = "0",
            ["id"] = Guid.NewGuid().ToString(),
            ["detail-type"] = "Step Functions Execution Status Change",
            ["source"] = "aws.states",
            ["account"] = PipelineDefinition.AccountId,
            ["time"] = stoppedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["region"] = PipelineDefinition.Region,
            ["resources"] = new JsonArray(outcome.ExecutionArn),
            ["detail"] = new JsonObject
            {
                ["executionArn"] = outcome.ExecutionArn,
                ["stateMachineArn"] = PipelineDefinition.StateMachineArn,
                ["name"] = outcome.ExecutionArn[(outcome.ExecutionArn.LastIndexOf(':') + 1)..],
                ["status"] = outcome.Status,
                ["startDate"] = JsonValue.Create(long.Parse(Time(startedAt), CultureInfo.InvariantCulture)),
                ["stopDate"] = JsonValue.Create(long.Parse(Time(stoppedAt), CultureInfo.InvariantCulture)),
                ["input"] = input.ToJsonString(),
                ["output"] = outcome.Status == "SUCCEEDED" ? outcome.Output?.ToJsonString() : null,
                ["inputDetails"] = new JsonObject { ["included"] = true },
            },
        };
    }

    /// <summary>The queues (logical ids, which are the local queues' names) that receive <paramref name="statusEvent"/>.</summary>
    public IReadOnlyList<string> TargetsOf(JsonObject statusEvent) =>
        [.. _rules.Where(rule => Matches(rule.Pattern, statusEvent)).SelectMany(rule => rule.Queues)];

    /// <summary>Sends the end of <paramref name="outcome"/> to every queue a rule routes it to, as EventBridge would.</summary>
    public async Task<IReadOnlyList<string>> DeliverAsync(ExecutionOutcome outcome, JsonNode input, DateTimeOffset startedAt, IAmazonSQS sqs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sqs);
        var statusEvent = EventFor(outcome, input, startedAt, DateTimeOffset.UtcNow);
        var queues = TargetsOf(statusEvent);
        foreach (var queue in queues)
        {
            var url = (await sqs.GetQueueUrlAsync(queue, cancellationToken)).QueueUrl;
            await sqs.SendMessageAsync(url, statusEvent.ToJsonString(), cancellationToken);
        }

        return queues;
    }

    private static bool Matches(JsonObject pattern, JsonNode? value)
    {
        foreach (var (name, expected) in pattern)
        {
            var actual = value is JsonObject o ? o[name] : null;
            var matched = expected switch
            {
                JsonObject nested => actual is JsonObject && Matches(nested, actual),
                JsonArray allowed => actual is not null && (actual is JsonArray many ? many.Any(item => AnyEqual(allowed, item)) : AnyEqual(allowed, actual)),
                _ => throw new InvalidOperationException($"Pattern field '{name}' is neither an object nor an array: {expected?.ToJsonString()}"),
            };
            if (!matched)
            {
                return false;
            }
        }

        return true;
    }

    private static bool AnyEqual(JsonArray allowed, JsonNode? actual) => allowed.Any(candidate => candidate is JsonValue
        ? JsonNode.DeepEquals(candidate, actual)
        : throw new InvalidOperationException($"The local matcher knows exact values only, not {candidate?.ToJsonString()}."));

    private static JsonNode Resolve(JsonNode node, JsonObject resources) => node switch
    {
        JsonObject reference when reference.Count == 1 && (reference["Ref"] is not null || reference["Fn::GetAtt"] is not null || reference["Fn::Join"] is not null) =>
            JsonValue.Create(PipelineDefinition.ResolveNode(reference, resources))!,
        JsonObject o => new JsonObject(o.Select(entry => KeyValuePair.Create(entry.Key, (JsonNode?)Resolve(entry.Value!, resources)))),
        JsonArray a => new JsonArray([.. a.Select(item => (JsonNode?)Resolve(item!, resources))]),
        _ => node.DeepClone(),
    };
}
