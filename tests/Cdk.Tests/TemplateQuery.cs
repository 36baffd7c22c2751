using System.Text.Json.Nodes;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>Reads meaning out of a template's JSON: resources by type, and intrinsic functions rendered as text.</summary>
public sealed class TemplateQuery
{
    private readonly JsonObject resources;

    public TemplateQuery(string templateJson)
    {
        resources = JsonNode.Parse(templateJson)!["Resources"]!.AsObject();
    }

    public IReadOnlyDictionary<string, JsonObject> OfType(string type) =>
        resources.Where(entry => (string?)entry.Value!["Type"] == type)
            .ToDictionary(entry => entry.Key, entry => entry.Value!.AsObject());

    public JsonObject Resource(string logicalId) => resources[logicalId]!.AsObject();

    /// <summary>The logical id of the Lambda function whose Handler is <paramref name="handler"/>.</summary>
    public string FunctionWithHandler(string handler) =>
        OfType("AWS::Lambda::Function").Single(entry => (string?)entry.Value["Properties"]!["Handler"] == handler).Key;

    /// <summary>Every IAM statement attached to the role of the given function.</summary>
    public IReadOnlyList<JsonObject> StatementsOfFunction(string functionId)
    {
        var roleId = (string)Resource(functionId)["Properties"]!["Role"]!["Fn::GetAtt"]![0]!;
        return OfType("AWS::IAM::Policy").Values
            .Where(policy => policy["Properties"]!["Roles"]!.AsArray().Any(role => (string?)role!["Ref"] == roleId))
            .SelectMany(policy => policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())
            .Select(statement => statement!.AsObject())
            .ToList();
    }

    /// <summary>Actions and resources (rendered) of the statements granting <paramref name="servicePrefix"/> actions.</summary>
    public (ISet<string> Actions, ISet<string> Resources) Grants(string functionId, string servicePrefix)
    {
        var statements = StatementsOfFunction(functionId)
            .Where(statement => Strings(statement["Action"]).Any(action => action.StartsWith(servicePrefix, StringComparison.Ordinal)))
            .ToList();
        return (
            statements.SelectMany(statement => Strings(statement["Action"])).ToHashSet(StringComparer.Ordinal),
            statements.SelectMany(statement => Many(statement["Resource"]).Select(Render)).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>Renders Ref, Fn::GetAtt and Fn::Join as <c>${...}</c> text so ARNs can be compared as strings.</summary>
    public static string Render(JsonNode? node) => node switch
    {
        JsonValue value => value.ToString(),
        JsonObject obj when obj["Ref"] is { } reference => "${" + reference + "}",
        JsonObject obj when obj["Fn::GetAtt"] is JsonArray attribute => "${" + attribute[0] + "." + attribute[1] + "}",
        JsonObject obj when obj["Fn::Join"] is JsonArray join => string.Join((string)join[0]!, join[1]!.AsArray().Select(Render)),
        _ => node?.ToJsonString() ?? string.Empty,
    };

    public static IEnumerable<string> Strings(JsonNode? node) => Many(node).Select(item => item!.ToString());

    private static JsonNode?[] Many(JsonNode? node) => node is JsonArray array ? [.. array] : [node];
}
