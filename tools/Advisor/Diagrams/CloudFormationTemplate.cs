using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ReferenceArchitectures.Tools.Advisor.Diagrams;

/// <summary>
/// The resources of one synthesized template and the ways they name each other (Ref, Fn::GetAtt, ${Name} in
/// Fn::Sub). The diagram rules read the template only through this class, by resource type and relation.
/// </summary>
public sealed partial class CloudFormationTemplate
{
    private readonly JsonObject resources;

    public CloudFormationTemplate(string stackName, string templateJson)
    {
        StackName = stackName;
        resources = JsonNode.Parse(templateJson)?["Resources"]?.AsObject()
            ?? throw new InvalidOperationException($"{stackName}: the template has no Resources.");
        // Sorted, so that nothing drawn depends on the order in which the template lists its resources.
        Ids = resources.Select(entry => entry.Key).Order(StringComparer.Ordinal).ToList();
    }

    public string StackName { get; }

    /// <summary>Every logical id, sorted.</summary>
    public IReadOnlyList<string> Ids { get; }

    public bool Contains(string id) => resources.ContainsKey(id);

    public string TypeOf(string id) => (string?)resources[id]?["Type"] ?? "?";

    public JsonNode? Properties(string id) => resources[id]?["Properties"];

    public IEnumerable<string> OfType(string type) => Ids.Where(id => TypeOf(id) == type);

    /// <summary>The resources of this template named anywhere below <paramref name="node"/>, without pseudo parameters (AWS::Region, ...).</summary>
    public IEnumerable<string> ReferencesIn(JsonNode? node) => RawReferences(node).Where(Contains).Distinct();

    /// <summary>The resources below <paramref name="node"/>, and for a string, the <c>${Name}</c> placeholders that <see cref="Flatten"/> leaves.</summary>
    public IEnumerable<string> ReferencesIn(string flattened) =>
        SubReference().Matches(flattened).Select(match => match.Groups["name"].Value).Where(Contains).Distinct();

    /// <summary>
    /// The text of a string property built with Fn::Join or Fn::Sub, each Ref or Fn::GetAtt written as <c>${Name}</c>
    /// or <c>${Name.Attribute}</c> the way Fn::Sub writes them, so that one regular expression finds them all.
    /// </summary>
    public static string Flatten(JsonNode? node)
    {
        var text = new StringBuilder();
        AppendFlattened(node, text);
        return text.ToString();
    }

    private static void AppendFlattened(JsonNode? node, StringBuilder text)
    {
        switch (node)
        {
            case JsonValue value when value.TryGetValue<string>(out var literal):
                text.Append(literal);
                break;
            case JsonObject { Count: 1 } intrinsic when intrinsic["Ref"] is JsonValue reference:
                text.Append("${").Append((string?)reference).Append('}');
                break;
            case JsonObject { Count: 1 } intrinsic when intrinsic["Fn::GetAtt"] is JsonArray { Count: 2 } getAtt:
                text.Append("${").Append((string?)getAtt[0]).Append('.').Append((string?)getAtt[1]).Append('}');
                break;
            case JsonObject { Count: 1 } intrinsic when intrinsic["Fn::Join"] is JsonArray { Count: 2 } join:
                var separator = (string?)join[0] ?? string.Empty;
                var first = true;
                foreach (var part in join[1]?.AsArray() ?? [])
                {
                    text.Append(first ? string.Empty : separator);
                    AppendFlattened(part, text);
                    first = false;
                }

                break;
            case JsonObject { Count: 1 } intrinsic when intrinsic["Fn::Sub"] is { } sub:
                var pattern = (string?)(sub is JsonArray withVariables ? withVariables[0] : sub) ?? string.Empty;
                var variables = (sub as JsonArray)?.ElementAtOrDefault(1) as JsonObject;
                // A variable of Fn::Sub's second argument stands for its value, which may itself name resources.
                text.Append(SubReference().Replace(pattern, match =>
                    variables?[match.Groups["name"].Value] is { } replacement ? Flatten(replacement) : match.Value));
                break;
            default:
                // Any other intrinsic (Fn::Select, Fn::Split, ...) is kept only for the resources it names.
                foreach (var name in RawReferences(node))
                {
                    text.Append("${").Append(name).Append('}');
                }

                break;
        }
    }

    private static IEnumerable<string> RawReferences(JsonNode? node)
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
                    else if (key == "Fn::GetAtt" && value is JsonArray { Count: > 0 } getAtt && getAtt[0] is JsonValue target && target.TryGetValue<string>(out var attName))
                    {
                        yield return attName;
                    }
                    else if (key == "Fn::Sub")
                    {
                        foreach (Match match in SubReference().Matches(Flatten(obj)))
                        {
                            yield return match.Groups["name"].Value;
                        }
                    }
                    else
                    {
                        foreach (var nested in RawReferences(value))
                        {
                            yield return nested;
                        }
                    }
                }

                break;
            case JsonArray array:
                foreach (var nested in array.SelectMany(RawReferences))
                {
                    yield return nested;
                }

                break;
        }
    }

    /// <summary>A string or a list of strings (IAM's Action, EventBridge's detail-type, ...), as a list.</summary>
    public static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) => [text],
        JsonArray array => array.OfType<JsonValue>().Select(item => item.TryGetValue<string>(out var text) ? text : null).OfType<string>(),
        _ => [],
    };

    /// <summary>CloudFormation accepts a Boolean property as true or as the string "true".</summary>
    public static bool IsTrue(JsonNode? node) =>
        node is JsonValue value && ((value.TryGetValue<bool>(out var flag) && flag) || (value.TryGetValue<string>(out var text) && text == "true"));

    public static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}")]
    private static partial Regex SubReference();
}
