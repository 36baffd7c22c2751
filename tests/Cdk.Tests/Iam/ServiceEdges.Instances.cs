using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ReferenceArchitectures.Cdk.Tests.Iam;

// The edges of EC2 container instances: EC2 hands the instance profile's role to the instance, and the ECS agent on it
// joins the cluster and works with that role's credentials.
public static partial class ServiceEdges
{
    private const string Ec2 = "ec2.amazonaws.com";

    private static readonly string[] AgentClusterActions =
    [
        "ecs:RegisterContainerInstance", "ecs:DeregisterContainerInstance",
        "ecs:SubmitContainerStateChange", "ecs:SubmitTaskStateChange", "ecs:SubmitAttachmentStateChanges",
    ];

    private static readonly string[] AgentInstanceActions = ["ecs:Poll", "ecs:StartTelemetrySession"];

    // Agent settings that make it call more than the actions above: tagging the container instance (ecs:TagResource,
    // ec2:DescribeTags) and spot draining (ecs:UpdateContainerInstancesState), which AmazonEC2ContainerServiceforEC2Role
    // also grants (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-agent-config.html).
    private static readonly string[] UnmodelledAgentSettings = ["ECS_CONTAINER_INSTANCE_TAGS", "ECS_CONTAINER_INSTANCE_PROPAGATE_TAGS_FROM", "ECS_ENABLE_SPOT_INSTANCE_DRAINING"];

    /// <summary>
    /// Every Auto Scaling group that a capacity provider puts in a cluster, followed to its instances' role: the
    /// launch template's instance profile must hold a role; EC2 takes it as <c>ec2.amazonaws.com</c>, which only the role's
    /// trust policy can allow (EC2 documents no <c>aws:SourceArn</c> for this, so none is sent); the user data must set
    /// <c>ECS_CLUSTER</c> to the cluster, or the agent joins the cluster named <c>default</c>; and the role must allow
    /// what the agent calls, as the container instance role and the Service Authorization Reference describe them
    /// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/instance_IAM_role.html,
    /// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html):
    /// <c>ecs:DiscoverPollEndpoint</c> (no resource), <c>ecs:RegisterContainerInstance</c>,
    /// <c>ecs:DeregisterContainerInstance</c> and the three <c>ecs:Submit*</c> state changes on the cluster, and
    /// <c>ecs:Poll</c> and <c>ecs:StartTelemetrySession</c> on the container instance, with <c>ecs:cluster</c> in the
    /// request. Images and awslogs streams are not the instance role's: a task definition with an execution role has the
    /// agent pull and log with that role (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html,
    /// evaluated by <see cref="TaskStartup"/>), and a service on the cluster whose task definition has none fails the
    /// test. AWS managed policies on the role are not read: an edge that needs one is denied here.
    /// </summary>
    public static IEnumerable<EdgeVerdict> ContainerInstances(string stack, TemplateValues template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var (p, r, a) = (template.Target.Partition, template.Target.Region, template.Target.Account);
        foreach (var association in template.OfType("AWS::ECS::ClusterCapacityProviderAssociations"))
        {
            var cluster = TemplateValues.ReferencedId(template.Properties(association)["Cluster"])
                ?? throw new NotSupportedException($"{association} associates capacity with a cluster outside the template.");
            var clusterName = template.Text(new JsonObject { ["Ref"] = cluster });
            var clusterArn = template.Arn(cluster);
            // FARGATE and FARGATE_SPOT are names, not references: AWS runs those tasks, there is no instance role.
            var providers = (template.Properties(association)["CapacityProviders"]?.AsArray() ?? []).Select(TemplateValues.ReferencedId).OfType<string>();
            foreach (var provider in providers)
            {
                RequireExecutionRoles(template, cluster);
                var group = TemplateValues.ReferencedId(template.Properties(provider)["AutoScalingGroupProvider"]?["AutoScalingGroupArn"])
                    ?? throw new NotSupportedException($"{provider} scales a group outside the template.");
                var launchTemplate = TemplateValues.ReferencedId(template.Properties(group)["LaunchTemplate"]?["LaunchTemplateId"])
                    ?? throw new NotSupportedException($"{group} launches from a launch configuration, a mixed-instances policy or a template outside the stack; follow it to the instance profile here.");
                var data = template.Properties(launchTemplate)["LaunchTemplateData"]!;

                var userData = data["UserData"] is JsonObject { Count: 1 } encoded && encoded["Fn::Base64"] is { } text ? template.Text(text) : "";
                if (UnmodelledAgentSettings.FirstOrDefault(setting => userData.Contains(setting, StringComparison.Ordinal)) is { } unmodelled)
                {
                    throw new NotSupportedException($"{launchTemplate} sets {unmodelled}, with which the agent makes requests not modelled here.");
                }

                var joins = EcsClusterSetting().Match(userData) is { Success: true } setting && setting.Groups["cluster"].Value == clusterName;
                yield return new(stack, launchTemplate, cluster, "ECS_CLUSTER in user data", joins ? Verdict.Allowed : Verdict.ImplicitlyDenied);

                var profileReference = data["IamInstanceProfile"]?["Arn"] ?? data["IamInstanceProfile"]?["Name"];
                var roles = TemplateValues.ReferencedId(profileReference) is { } profile && template.Type(profile) == "AWS::IAM::InstanceProfile"
                    ? (template.Properties(profile)["Roles"]?.AsArray() ?? []).Select(TemplateValues.ReferencedId).OfType<string>().ToList()
                    : [];
                yield return new(stack, launchTemplate, "instance profile", "a role of the stack in the instance profile", roles.Count == 1 ? Verdict.Allowed : Verdict.ImplicitlyDenied);
                if (roles is not [var role])
                {
                    continue;
                }

                var assume = new AccessRequest(RequestPrincipal.ForService(Ec2), "sts:AssumeRole", template.Arn(role), new Dictionary<string, string[]> { ["aws:SecureTransport"] = ["true"] });
                yield return new(stack, launchTemplate, role, $"sts:AssumeRole as {Ec2}", PolicyEvaluator.Evaluate(assume, [], [template.Resolve(template.Properties(role)["AssumeRolePolicyDocument"])!]));

                var from = $"{group} (ECS agent)";
                yield return AsRole(stack, template, from, role, "ECS", "ecs:DiscoverPollEndpoint", "*", []);
                foreach (var action in AgentClusterActions)
                {
                    yield return AsRole(stack, template, from, role, cluster, action, clusterArn, []);
                }

                var containerInstance = $"arn:{p}:ecs:{r}:{a}:container-instance/{clusterName}/0123456789abcdef0123456789abcdef";
                foreach (var action in AgentInstanceActions)
                {
                    yield return AsRole(stack, template, from, role, cluster, action, containerInstance, [], new Dictionary<string, string[]> { ["ecs:cluster"] = [clusterArn] });
                }
            }
        }
    }

    // Without an execution role, the agent pulls the image and creates the awslogs stream with the instance's role.
    private static void RequireExecutionRoles(TemplateValues template, string cluster)
    {
        var withoutExecutionRole = template.OfType("AWS::ECS::Service")
            .Where(service => TemplateValues.ReferencedId(template.Properties(service)["Cluster"]) == cluster)
            .Select(service => TemplateValues.ReferencedId(template.Properties(service)["TaskDefinition"])!)
            .FirstOrDefault(taskDefinition => template.Properties(taskDefinition)["ExecutionRoleArn"] is null);
        if (withoutExecutionRole is not null)
        {
            throw new NotSupportedException($"{withoutExecutionRole} runs on {cluster} without an execution role; evaluate its image pull and log writes as the instance role here.");
        }
    }

    [GeneratedRegex(@"ECS_CLUSTER=(?<cluster>[^\s>]+)")]
    private static partial Regex EcsClusterSetting();
}
