using System.Text.Json.Nodes;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>Reads pattern 4's state machine definition and role policies out of its template.</summary>
public static class HybridPipelineDefinition
{
    /// <summary>
    /// The definition, with references rendered as <c>${...}</c> text; they sit inside JSON strings, so the result parses.
    /// </summary>
    public static JsonObject Of(TemplateQuery template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var machine = Assert.Single(template.OfType("AWS::StepFunctions::StateMachine").Values);
        return JsonNode.Parse(TemplateQuery.Render(machine["Properties"]!["DefinitionString"]))!.AsObject();
    }

    /// <summary>Every statement of every policy attached to the role with <paramref name="roleId"/>.</summary>
    public static IReadOnlyList<JsonObject> StatementsOfRole(TemplateQuery template, string roleId)
    {
        ArgumentNullException.ThrowIfNull(template);
        return template.OfType("AWS::IAM::Policy").Values
            .Where(policy => policy["Properties"]!["Roles"]!.AsArray().Any(role => (string?)role!["Ref"] == roleId))
            .SelectMany(policy => policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())
            .Select(statement => statement!.AsObject())
            .ToList();
    }
}
