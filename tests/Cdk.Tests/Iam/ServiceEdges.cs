using System.Text.Json.Nodes;

namespace ReferenceArchitectures.Cdk.Tests.Iam;

/// <summary>One request that an AWS service makes on a stack's behalf, and what IAM answers it.</summary>
public sealed record EdgeVerdict(string Stack, string From, string To, string Action, Verdict Verdict)
{
    public override string ToString() => $"{Stack}: {From} -> {To} {Action}: {Verdict}";
}

/// <summary>
/// The requests that services make between the resources of a template, each evaluated against the resource and key
/// policies it meets, as the service's own principal with the request context the service documents.
/// </summary>
public static class ServiceEdges
{
    private const string CloudWatch = "cloudwatch.amazonaws.com";

    private static readonly string[] AlarmActionProperties = ["AlarmActions", "OKActions", "InsufficientDataActions"];

    private static readonly string[] KeyActionsForPublishers = ["kms:GenerateDataKey", "kms:Decrypt"];

    /// <summary>Every edge this class knows, for one synthesized template.</summary>
    public static IEnumerable<EdgeVerdict> Of(string stack, TemplateValues template) => AlarmNotifications(stack, template);

    /// <summary>
    /// A CloudWatch alarm publishes to its SNS topic as <c>cloudwatch.amazonaws.com</c>, with <c>aws:SourceArn</c> (the
    /// alarm) and <c>aws:SourceAccount</c> in the request context
    /// (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html). A topic policy replaces SNS's default
    /// policy, so it must allow that publish itself. When the topic is encrypted, the key policy must let CloudWatch call
    /// <c>kms:GenerateDataKey*</c> and <c>kms:Decrypt</c>
    /// (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
    /// </summary>
    public static IEnumerable<EdgeVerdict> AlarmNotifications(string stack, TemplateValues template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var account = template.Target.Account;
        foreach (var alarm in template.OfType("AWS::CloudWatch::Alarm"))
        {
            var properties = template.Properties(alarm);
            var topics = AlarmActionProperties
                .SelectMany(name => properties[name]?.AsArray() ?? [])
                .Select(TemplateValues.ReferencedId)
                .Where(id => id is not null && template.Type(id) == "AWS::SNS::Topic")
                .Distinct();
            foreach (var topic in topics)
            {
                var context = new Dictionary<string, string[]>
                {
                    ["aws:SourceArn"] = [template.Arn(alarm)],
                    ["aws:SourceAccount"] = [account],
                    ["aws:SourceOwner"] = [account],
                    ["aws:SecureTransport"] = ["true"],
                };
                var publish = new AccessRequest(RequestPrincipal.ForService(CloudWatch), "sns:Publish", template.Arn(topic!), context);
                yield return new(stack, alarm, topic!, publish.Action, PolicyEvaluator.Evaluate(publish, [], TopicPolicies(template, topic!)));

                if (TemplateValues.ReferencedId(template.Properties(topic!)["KmsMasterKeyId"]) is { } key && template.Type(key) == "AWS::KMS::Key")
                {
                    var keyPolicy = template.Resolve(template.Properties(key)["KeyPolicy"])!;
                    foreach (var action in KeyActionsForPublishers)
                    {
                        var use = publish with { Action = action, Resource = template.Arn(key) };
                        yield return new(stack, alarm, key, action, PolicyEvaluator.Evaluate(use, [], [keyPolicy], ResourcePolicyKind.KmsKey, account));
                    }
                }
            }
        }
    }

    /// <summary>
    /// The topic's policies from the template; without one, SNS's default policy, which lets the owner's account, and services
    /// acting for it, publish (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html).
    /// </summary>
    public static IReadOnlyList<JsonNode> TopicPolicies(TemplateValues template, string topic)
    {
        ArgumentNullException.ThrowIfNull(template);
        var policies = template.OfType("AWS::SNS::TopicPolicy")
            .Where(policy => (template.Properties(policy)["Topics"]?.AsArray() ?? []).Any(t => TemplateValues.ReferencedId(t) == topic))
            .Select(policy => template.Resolve(template.Properties(policy)["PolicyDocument"])!)
            .ToList();
        if (policies.Count > 0)
        {
            return policies;
        }

        return
        [
            new JsonObject
            {
                ["Statement"] = new JsonArray(new JsonObject
                {
                    ["Effect"] = "Allow",
                    ["Principal"] = new JsonObject { ["AWS"] = "*" },
                    ["Action"] = new JsonArray("SNS:Publish", "SNS:Subscribe", "SNS:GetTopicAttributes"),
                    ["Resource"] = template.Arn(topic),
                    ["Condition"] = new JsonObject { ["StringEquals"] = new JsonObject { ["AWS:SourceOwner"] = template.Target.Account } },
                }),
            },
        ];
    }
}
