using System.Reflection;
using System.Text.Json.Nodes;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>Every cdk-nag acknowledgment in the app gives one of the reasons written in <see cref="NagReasons"/>.</summary>
[Collection(SynthesizedApp.Name)]
public sealed class NagReasonsTests(SynthesizedAppFixture app)
{
    private static readonly HashSet<string> Written = typeof(NagReasons)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.IsLiteral && field.FieldType == typeof(string))
        .Select(field => (string)field.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void Every_acknowledgment_in_the_templates_gives_a_reason_written_in_NagReasons()
    {
        var acknowledgments = app.Stacks.Values
            .SelectMany(stack => JsonNode.Parse(stack.Json)!["Resources"]!.AsObject()
                .SelectMany(resource => resource.Value!["Metadata"]?["cdk_nag"]?["rules_to_suppress"]?.AsArray() ?? [])
                .Select(rule => (Stack: stack.StackName, Rule: (string)rule!["id"]!, Reason: (string)rule["reason"]!)))
            .ToList();

        Assert.NotEmpty(acknowledgments);
        Assert.All(acknowledgments, acknowledgment => Assert.True(Written.Contains(acknowledgment.Reason),
            $"{acknowledgment.Stack} acknowledges {acknowledgment.Rule} with a reason that is not in NagReasons: {acknowledgment.Reason}"));
    }

    [Fact]
    public void Every_reason_says_why_in_a_sentence_that_cdk_nag_accepts()
    {
        Assert.All(Written, reason =>
        {
            Assert.True(reason.Length >= NagAcknowledgements.MinimumReasonLength, reason);
            Assert.EndsWith(".", reason, StringComparison.Ordinal);
        });
    }
}
