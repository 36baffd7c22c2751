using Amazon.CDK;
using Constructs;

namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>
/// Records, next to a resource, why a cdk-nag finding is accepted. The acknowledgment is CloudFormation
/// resource metadata in cdk-nag's format, so it travels with the synthesized template:
/// <c>"Metadata": {"cdk_nag": {"rules_to_suppress": [{"id": "AwsSolutions-IAM5", "reason": "...", "applies_to": ["Resource::*"]}]}}</c>.
/// </summary>
public static class NagAcknowledgements
{
    /// <summary>cdk-nag refuses acknowledgments with shorter reasons.</summary>
    public const int MinimumReasonLength = 10;

    private const string MetadataKey = "cdk_nag";
    private const string RulesKey = "rules_to_suppress";

    /// <summary>
    /// Acknowledges <paramref name="ruleId"/> on <paramref name="scope"/> (a CfnResource, or an L2 construct
    /// whose default child is one). <paramref name="appliesTo"/> narrows it to specific findings such as
    /// <c>Resource::*</c>; empty acknowledges every finding of the rule on that resource.
    /// </summary>
    /// <exception cref="ArgumentException">The rule id or reason is missing, or the scope holds no CloudFormation resource.</exception>
    public static void Acknowledge(IConstruct scope, string ruleId, string reason, params string[] appliesTo)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(appliesTo);
        if (string.IsNullOrWhiteSpace(ruleId))
        {
            throw new ArgumentException("A cdk-nag rule id such as AwsSolutions-IAM5 is required.", nameof(ruleId));
        }

        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length < MinimumReasonLength)
        {
            throw new ArgumentException($"The reason for acknowledging {ruleId} must say why, in at least {MinimumReasonLength} characters.", nameof(reason));
        }

        var resource = scope as CfnResource ?? scope.Node.DefaultChild as CfnResource
            ?? throw new ArgumentException($"'{scope.Node.Path}' is not a CloudFormation resource and has none as its default child.", nameof(scope));

        var rules = ExistingRules(resource);
        var entry = new Dictionary<string, object> { ["id"] = ruleId, ["reason"] = reason.Trim() };
        if (appliesTo.Length > 0)
        {
            entry["applies_to"] = appliesTo;
        }

        // A second acknowledgment of the same rule on the same resource replaces the first, so that
        // re-running a construct's setup never piles up duplicates.
        rules.RemoveAll(rule => rule.TryGetValue("id", out var id) && Equals(id, ruleId)
            && AppliesToEquals(rule, appliesTo));
        rules.Add(entry);
        resource.AddMetadata(MetadataKey, new Dictionary<string, object> { [RulesKey] = rules.Cast<object>().ToArray() });
    }

    private static List<IDictionary<string, object>> ExistingRules(CfnResource resource)
    {
        // jsii hands JSON objects back as dictionaries and JSON arrays as object arrays.
        if (resource.GetMetadata(MetadataKey) is IDictionary<string, object> metadata
            && metadata.TryGetValue(RulesKey, out var existing) && existing is IEnumerable<object> entries)
        {
            return entries.OfType<IDictionary<string, object>>().ToList();
        }

        return [];
    }

    private static bool AppliesToEquals(IDictionary<string, object> rule, string[] appliesTo)
    {
        var existing = rule.TryGetValue("applies_to", out var value) && value is IEnumerable<object> items
            ? items.Select(item => item.ToString() ?? string.Empty).ToArray()
            : [];
        return existing.SequenceEqual(appliesTo, StringComparer.Ordinal);
    }
}
