using System.Text.Json.Nodes;

namespace ReferenceArchitectures.Cdk.Tests.Iam;

// The edge of a VPC flow log that publishes to CloudWatch Logs: the flow-logs service takes the flow log's role and
// writes to the log group with it.
public static partial class ServiceEdges
{
    private const string VpcFlowLogs = "vpc-flow-logs.amazonaws.com";

    private static readonly string[] FlowLogGroupActions = ["logs:CreateLogStream", "logs:DescribeLogStreams"];

    /// <summary>
    /// Every flow log that publishes to CloudWatch Logs: <c>vpc-flow-logs.amazonaws.com</c> takes the role named by
    /// <c>DeliverLogsPermissionArn</c>, with the flow log's ARN (<c>arn:aws:ec2:region:account:vpc-flow-log/id</c>) as
    /// <c>aws:SourceArn</c> and its owner as <c>aws:SourceAccount</c>, which only the role's trust policy can allow; then,
    /// as the role, it creates a log stream per network interface and looks the streams up in the group, and writes the
    /// records (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html,
    /// https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-cwl.html). Group-level actions are authorized on the
    /// group's ARN ending in <c>:*</c>, record writes on the stream's
    /// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/iam-access-control-overview-cwl.html). The guide's
    /// minimal policy also lists <c>logs:CreateLogGroup</c> and <c>logs:DescribeLogGroups</c>: the first only matters
    /// when the group is missing, and the template creates it; the second is not evaluated (see README). Delivery to S3
    /// or Firehose, or across accounts, throws.
    /// </summary>
    public static IEnumerable<EdgeVerdict> FlowLogs(string stack, TemplateValues template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var (p, r, a) = (template.Target.Partition, template.Target.Region, template.Target.Account);
        foreach (var (flowLog, role, group) in CloudWatchFlowLogs(template))
        {
            yield return AssumeRole(stack, template, flowLog, VpcFlowLogs, role, FlowLogArn(template, flowLog, a));
            foreach (var action in FlowLogGroupActions)
            {
                yield return AsRole(stack, template, flowLog, role, group, action, template.Arn(group), []);
            }

            var logStream = $"arn:{p}:logs:{r}:{a}:log-group:{template.Text(new JsonObject { ["Ref"] = group })}:log-stream:eni-0123456789abcdef0-all";
            yield return AsRole(stack, template, flowLog, role, group, "logs:PutLogEvents", logStream, []);
        }
    }

    /// <summary>
    /// The same role taken for a flow log of another account, the confused deputy the VPC guide warns of: the trust
    /// policy must refuse it, by <c>aws:SourceAccount</c> and <c>aws:SourceArn</c>.
    /// </summary>
    public static IEnumerable<EdgeVerdict> FlowLogRolesForOtherAccounts(string stack, TemplateValues template)
    {
        ArgumentNullException.ThrowIfNull(template);
        const string other = "210987654321";
        foreach (var (flowLog, role, _) in CloudWatchFlowLogs(template))
        {
            var request = new AccessRequest(RequestPrincipal.ForService(VpcFlowLogs), "sts:AssumeRole", template.Arn(role), new Dictionary<string, string[]>
            {
                ["aws:SourceArn"] = [FlowLogArn(template, flowLog, other)],
                ["aws:SourceAccount"] = [other],
                ["aws:SecureTransport"] = ["true"],
            });
            var trust = template.Resolve(template.Properties(role)["AssumeRolePolicyDocument"])!;
            yield return new(stack, $"{flowLog} of {other}", role, $"sts:AssumeRole as {VpcFlowLogs}", PolicyEvaluator.Evaluate(request, [], [trust]));
        }
    }

    private static IEnumerable<(string FlowLog, string Role, string Group)> CloudWatchFlowLogs(TemplateValues template)
    {
        foreach (var flowLog in template.OfType("AWS::EC2::FlowLog"))
        {
            var properties = template.Properties(flowLog);
            var destination = properties["LogDestinationType"] is { } type ? template.Text(type) : "cloud-watch-logs";
            if (destination != "cloud-watch-logs" || properties["DeliverCrossAccountRole"] is not null)
            {
                throw new NotSupportedException($"{flowLog} delivers to {destination} or through another account; evaluate that delivery here.");
            }

            var role = TemplateValues.ReferencedId(properties["DeliverLogsPermissionArn"])
                ?? throw new NotSupportedException($"{flowLog} delivers with a role outside the template.");
            var group = TemplateValues.ReferencedId(properties["LogGroupName"] ?? properties["LogDestination"]) is { } id && template.Type(id) == "AWS::Logs::LogGroup"
                ? id
                : throw new NotSupportedException($"{flowLog} writes to a log group outside the template.");
            yield return (flowLog, role, group);
        }
    }

    // A flow log's id is generated; the logical id stands in for it.
    private static string FlowLogArn(TemplateValues template, string flowLog, string account) =>
        $"arn:{template.Target.Partition}:ec2:{template.Target.Region}:{account}:vpc-flow-log/fl-{flowLog.ToLowerInvariant()}";
}
