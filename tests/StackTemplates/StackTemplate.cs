using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ReferenceArchitectures.Testing.StackTemplates;

/// <summary>
/// A synthesized template, read the way a local run needs it: resources by type and by reference, and values with the
/// intrinsic functions CloudFormation would resolve at deploy time (<c>Ref</c>, <c>Fn::GetAtt</c>, <c>Fn::Sub</c>,
/// <c>Fn::Join</c>) resolved to the local stand-ins' names. Locally, the stack runs in <see cref="Region"/> of
/// account <see cref="AccountId"/>, and each resource of the template exists under its logical id.
/// </summary>
public sealed partial class StackTemplate
{
    public const string Partition = "aws";
    public const string Region = "us-east-1";
    public const string AccountId = "123456789012";

    private readonly JsonObject _root;

    public StackTemplate(string templateJson)
    {
        ArgumentNullException.ThrowIfNull(templateJson);
        _root = JsonNode.Parse(templateJson)?.AsObject() ?? throw new ArgumentException("The template is not a JSON object.", nameof(templateJson));
        Resources = _root[nameof(Resources)]?.AsObject() ?? throw new ArgumentException("The template has no Resources.", nameof(templateJson));
    }

    public JsonObject Resources { get; }

    /// <summary>The template as JSON.</summary>
    public string Json => _root.ToJsonString();

    /// <summary>A copy with <paramref name="change"/> applied to its JSON: the way tests break a template on purpose.</summary>
    public StackTemplate With(Action<JsonObject> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var copy = _root.DeepClone().AsObject();
        change(copy);
        return new StackTemplate(copy.ToJsonString());
    }

    /// <summary>The resources of one type, with their logical ids, in template order.</summary>
    public IReadOnlyList<KeyValuePair<string, JsonObject>> OfType(string type) =>
        [.. Resources.Where(r => (string?)r.Value?["Type"] == type).Select(r => KeyValuePair.Create(r.Key, r.Value!.AsObject()))];

    /// <exception cref="InvalidOperationException">The template has no resource or more than one resource of that type.</exception>
    public KeyValuePair<string, JsonObject> OnlyOfType(string type)
    {
        var matches = OfType(type);
        return matches.Count == 1
            ? matches[0]
            : throw new InvalidOperationException($"Expected one {type} in the template, found {matches.Count}: {string.Join(", ", matches.Select(m => m.Key))}.");
    }

    /// <exception cref="InvalidOperationException">No resource has that logical id.</exception>
    public JsonObject Resource(string logicalId) =>
        Resources[logicalId]?.AsObject() ?? throw new InvalidOperationException($"'{logicalId}' is not a resource of the template.");

    /// <summary>The type of the resource <paramref name="logicalId"/>.</summary>
    public string TypeOf(string logicalId) => (string)Resource(logicalId)["Type"]!;

    /// <summary>The logical id <paramref name="node"/> names with <c>Ref</c>, or null when it is something else.</summary>
    public static string? RefTarget(JsonNode? node) => node is JsonObject o && o.Count == 1 && o["Ref"] is JsonValue name ? (string?)name : null;

    /// <summary>The logical id whose <paramref name="attribute"/> <paramref name="node"/> reads with <c>Fn::GetAtt</c>, or null.</summary>
    public static string? GetAttTarget(JsonNode? node, string attribute) =>
        node is JsonObject o && o.Count == 1 && o["Fn::GetAtt"] is JsonArray { Count: 2 } pair && (string?)pair[1] == attribute ? (string?)pair[0] : null;

    /// <summary>
    /// <paramref name="value"/> as the deployed resource would see it, with every intrinsic resolved to the local
    /// names: a string, or a number or Boolean in its JSON spelling (CloudFormation passes those to environments as strings).
    /// </summary>
    /// <exception cref="NotSupportedException">The value uses an intrinsic, or reads an attribute, that the local runs do not model.</exception>
    public string Resolve(JsonNode? value) => value switch
    {
        JsonValue scalar => scalar.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string)scalar! : scalar.ToJsonString(),
        JsonObject o when RefTarget(o) is { } name => ResolveRef(name),
        JsonObject o when o.Count == 1 && o["Fn::GetAtt"] is JsonArray { Count: 2 } pair => ResolveGetAtt((string)pair[0]!, (string)pair[1]!),
        JsonObject o when o.Count == 1 && o["Fn::Join"] is JsonArray { Count: 2 } join =>
            string.Join((string)join[0]!, join[1]!.AsArray().Select(Resolve)),
        JsonObject o when o.Count == 1 && o["Fn::Sub"] is { } sub => ResolveSub(sub),
        _ => throw new NotSupportedException($"The local runs do not resolve {value?.ToJsonString() ?? "null"}."),
    };

    /// <summary>What <c>Ref</c> of a pseudo parameter or a resource gives locally: a resource's logical id is its local name.</summary>
    public string ResolveRef(string name) => name switch
    {
        "AWS::Partition" => Partition,
        "AWS::Region" => Region,
        "AWS::AccountId" => AccountId,
        "AWS::URLSuffix" => "amazonaws.com",
        _ when name.StartsWith("AWS::", StringComparison.Ordinal) => throw new NotSupportedException($"The local runs do not model the pseudo parameter {name}."),
        _ => Resources.ContainsKey(name) ? name : throw new InvalidOperationException($"Ref '{name}' names no resource of the template."),
    };

    // Only the attributes the local runs meet; another one fails the run instead of passing a made-up value.
    private string ResolveGetAtt(string logicalId, string attribute) => (TypeOf(logicalId), attribute) switch
    {
        ("AWS::Lambda::Function", "Arn") => $"arn:{Partition}:lambda:{Region}:{AccountId}:function:{logicalId}",
        var (type, _) => throw new NotSupportedException($"The local runs do not model {attribute} of {logicalId} ({type})."),
    };

    // Fn::Sub's two forms: "text with ${Name} and ${Resource.Attribute}", or [text, { Name: value }]; ${!Literal} stays "${Literal}".
    private string ResolveSub(JsonNode sub)
    {
        var (text, variables) = sub switch
        {
            JsonValue only => ((string)only!, new JsonObject()),
            JsonArray { Count: 2 } pair => ((string)pair[0]!, pair[1]!.AsObject()),
            _ => throw new NotSupportedException($"Fn::Sub takes a string or [string, map], not {sub.ToJsonString()}."),
        };
        var resolved = new StringBuilder();
        var end = 0;
        foreach (Match placeholder in SubPlaceholder().Matches(text))
        {
            resolved.Append(text, end, placeholder.Index - end);
            var name = placeholder.Groups["name"].Value;
            resolved.Append(name switch
            {
                _ when name.StartsWith('!') => "${" + name[1..] + "}",
                _ when variables.ContainsKey(name) => Resolve(variables[name]),
                _ when !name.StartsWith("AWS::", StringComparison.Ordinal) && name.Split('.') is [var id, var attribute] => ResolveGetAtt(id, attribute),
                _ => ResolveRef(name),
            });
            end = placeholder.Index + placeholder.Length;
        }

        return resolved.Append(text, end, text.Length - end).ToString();
    }

    [GeneratedRegex(@"\$\{(?<name>[^}]+)\}")]
    private static partial Regex SubPlaceholder();
}
