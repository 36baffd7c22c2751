using System.Text.Json.Nodes;

namespace ReferenceArchitectures.Testing.Iam;

/// <summary>The policies a template gives a role and a resource, resolved as CloudFormation would.</summary>
public static class TemplatePolicies
{
    /// <summary>
    /// The role's identity policies: every <c>AWS::IAM::Policy</c> and <c>AWS::IAM::ManagedPolicy</c> of the template
    /// attached to it, and its inline policies. AWS managed policies (<c>ManagedPolicyArns</c>) are not in the template,
    /// so a role that has one cannot be evaluated here and throws.
    /// </summary>
    /// <exception cref="NotSupportedException">The role has AWS managed policies.</exception>
    public static IReadOnlyList<JsonNode> OfRole(TemplateValues template, string role)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (template.Properties(role)["ManagedPolicyArns"] is JsonArray { Count: > 0 })
        {
            throw new NotSupportedException($"{role} has managed policies whose statements are not in the template.");
        }

        var attached = template.OfType("AWS::IAM::Policy").Concat(template.OfType("AWS::IAM::ManagedPolicy"))
            .Where(policy => (template.Properties(policy)["Roles"]?.AsArray() ?? []).Any(named => TemplateValues.ReferencedId(named) == role))
            .Select(policy => template.Resolve(template.Properties(policy)["PolicyDocument"])!);
        var inline = (template.Properties(role)["Policies"]?.AsArray() ?? []).Select(policy => template.Resolve(policy!["PolicyDocument"])!);
        return [.. attached, .. inline];
    }

    /// <summary>The resource's own policies: a bucket's, queue's or topic's policy resources, a table's ResourcePolicy; a state machine has none.</summary>
    /// <exception cref="NotSupportedException">A type whose resource policy is not read here.</exception>
    public static IReadOnlyList<JsonNode> OfResource(TemplateValues template, string resource)
    {
        ArgumentNullException.ThrowIfNull(template);
        return template.Type(resource) switch
        {
            "AWS::S3::Bucket" => Attached(template, "AWS::S3::BucketPolicy", "Bucket", resource),
            "AWS::SQS::Queue" => Attached(template, "AWS::SQS::QueuePolicy", "Queues", resource),
            "AWS::SNS::Topic" => Attached(template, "AWS::SNS::TopicPolicy", "Topics", resource),
            "AWS::DynamoDB::Table" => template.Properties(resource)["ResourcePolicy"]?["PolicyDocument"] is { } document ? [template.Resolve(document)!] : [],
            // Step Functions has no resource-based policies: only the caller's identity policies decide
            // (https://docs.aws.amazon.com/step-functions/latest/dg/security_iam_service-with-iam.html).
            "AWS::StepFunctions::StateMachine" => [],
            var other => throw new NotSupportedException($"The resource policy of a {other} is not read here."),
        };
    }

    private static List<JsonNode> Attached(TemplateValues template, string policyType, string targetProperty, string resource) =>
        template.OfType(policyType)
            .Where(policy => template.Properties(policy)[targetProperty] switch
            {
                JsonArray targets => targets.Any(target => TemplateValues.ReferencedId(target) == resource),
                var target => TemplateValues.ReferencedId(target) == resource,
            })
            .Select(policy => template.Resolve(template.Properties(policy)["PolicyDocument"])!)
            .ToList();
}
