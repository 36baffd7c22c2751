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
public static partial class ServiceEdges
{
    private const string CloudWatch = "cloudwatch.amazonaws.com";

    private static readonly string[] AlarmActionProperties = ["AlarmActions", "OKActions", "InsufficientDataActions"];

    private static readonly string[] KeyActionsForPublishers = ["kms:GenerateDataKey", "kms:Decrypt"];

    /// <summary>Every edge this class knows, for one synthesized template.</summary>
    public static IEnumerable<EdgeVerdict> Of(string stack, TemplateValues template) =>
        AlarmNotifications(stack, template).Concat(LoadBalancerAccessLogs(stack, template)).Concat(RuleTargets(stack, template))
            .Concat(StateMachineTasks(stack, template)).Concat(TaskStartup(stack, template)).Concat(BucketEvents(stack, template))
            .Concat(ApiInvocations(stack, template)).Concat(Callers(stack, template))
            .Concat(ContainerInstances(stack, template)).Concat(FlowLogs(stack, template));

    /// <summary>The service principal that writes access logs in Regions available as of August 2022 or later.</summary>
    public const string LoadBalancerLogDelivery = "logdelivery.elasticloadbalancing.amazonaws.com";

    /// <summary>
    /// The Elastic Load Balancing account of each Region available before August 2022, as the ELB user guide lists them
    /// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html, "Regions available
    /// before August 2022"). Every other Region delivers as <see cref="LoadBalancerLogDelivery"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, string> LoadBalancingAccounts { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["us-east-1"] = "127311923021",
        ["us-east-2"] = "033677994240",
        ["us-west-1"] = "027434742980",
        ["us-west-2"] = "797873946194",
        ["af-south-1"] = "098369216593",
        ["ap-east-1"] = "754344448648",
        ["ap-southeast-3"] = "589379963580",
        ["ap-south-1"] = "718504428378",
        ["ap-northeast-3"] = "383597477331",
        ["ap-northeast-2"] = "600734575887",
        ["ap-southeast-1"] = "114774131450",
        ["ap-southeast-2"] = "783225319266",
        ["ap-northeast-1"] = "582318560864",
        ["ca-central-1"] = "985666609251",
        ["eu-central-1"] = "054676820928",
        ["eu-west-1"] = "156460612806",
        ["eu-west-2"] = "652711504416",
        ["eu-south-1"] = "635631232127",
        ["eu-west-3"] = "009996457667",
        ["eu-north-1"] = "897822967062",
        ["me-south-1"] = "076674570225",
        ["sa-east-1"] = "507241528517",
    };

    /// <summary>
    /// A load balancer with access logs on writes each log file to
    /// <c>bucket[/prefix]/AWSLogs/account/elasticloadbalancing/region/yyyy/mm/dd/...</c> with <c>s3:PutObject</c>, as its
    /// Region's Elastic Load Balancing account or, in Regions opened since August 2022, as the log-delivery service
    /// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html). Only the bucket
    /// policy can allow either: neither has an identity policy in the bucket owner's account.
    /// </summary>
    public static IEnumerable<EdgeVerdict> LoadBalancerAccessLogs(string stack, TemplateValues template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var (account, region) = (template.Target.Account, template.Target.Region);
        var writer = LoadBalancingAccounts.TryGetValue(region, out var elbAccount)
            ? new RequestPrincipal(Arn: $"arn:{template.Target.Partition}:iam::{elbAccount}:root", Account: elbAccount)
            : RequestPrincipal.ForService(LoadBalancerLogDelivery);
        foreach (var loadBalancer in template.OfType("AWS::ElasticLoadBalancingV2::LoadBalancer"))
        {
            var attributes = (template.Properties(loadBalancer)["LoadBalancerAttributes"]?.AsArray() ?? [])
                .ToDictionary(attribute => (string)attribute!["Key"]!, attribute => attribute!["Value"]);
            if (!attributes.TryGetValue("access_logs.s3.enabled", out var enabled) || template.Text(enabled) != "true")
            {
                continue;
            }

            var bucket = TemplateValues.ReferencedId(attributes["access_logs.s3.bucket"])
                ?? throw new InvalidOperationException($"{loadBalancer} logs to a bucket outside the template.");
            var prefix = attributes.TryGetValue("access_logs.s3.prefix", out var p) && template.Text(p) is { Length: > 0 } text ? text + "/" : "";
            var key = $"{prefix}AWSLogs/{account}/elasticloadbalancing/{region}/2026/01/01/{account}_elasticloadbalancing_{region}_app.lb.1_20260101T0000Z_10.0.0.1_x.log.gz";
            var write = new AccessRequest(writer, "s3:PutObject", $"{template.Arn(bucket)}/{key}", new Dictionary<string, string[]>
            {
                ["aws:SecureTransport"] = ["true"],
            });
            yield return new(stack, loadBalancer, bucket, write.Action, PolicyEvaluator.Evaluate(write, [], BucketPolicies(template, bucket)));
        }
    }

    /// <summary>The bucket's policies from the template.</summary>
    public static IReadOnlyList<JsonNode> BucketPolicies(TemplateValues template, string bucket) => TemplatePolicies.OfResource(template, bucket);

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
        var policies = TemplatePolicies.OfResource(template, topic);
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
