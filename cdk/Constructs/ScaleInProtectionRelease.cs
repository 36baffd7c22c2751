using Amazon.CDK;
using Amazon.CDK.AWS.AutoScaling;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>
/// Makes <c>cdk destroy</c> of an ECS cluster on an Auto Scaling group complete.
/// <para>
/// With managed termination protection, ECS marks every instance that runs tasks as protected from scale-in
/// and leaves the mark on when the capacity provider is deleted. CloudFormation deletes an Auto Scaling group
/// by scaling it to zero and waiting for its instances to terminate, which protected instances never do, so
/// the deletion hangs (https://github.com/aws/aws-cdk/issues/18179, https://github.com/aws/containers-roadmap/issues/2862).
/// </para>
/// <para>
/// This custom resource does nothing on create and update. On delete it lifts the protection from every
/// instance of the group and sets its minimum and desired capacity to zero, after which CloudFormation's own
/// deletion of the group proceeds as for any unprotected group. The stack must delete it after the capacity
/// provider (so ECS no longer re-protects instances) and before the group: <see cref="DeleteAfter"/> wires the
/// first, and its reference to the group's name the second.
/// </para>
/// </summary>
public sealed class ScaleInProtectionRelease : Construct
{
    // Inline Python rather than a bundled .NET function: it needs no build step, runs once per stack deletion,
    // and boto3 is part of the runtime. It answers CloudFormation itself, so that a failure shows up as a
    // DELETE_FAILED with the reason instead of an hour-long wait for a response that never comes.
    private const string HandlerSource = """
        import json
        import urllib.request

        import boto3


        def handler(event, context):
            status, reason = "SUCCESS", "OK"
            try:
                if event["RequestType"] == "Delete":
                    release(event["ResourceProperties"]["AutoScalingGroupName"])
            except Exception as error:
                status, reason = "FAILED", f"{type(error).__name__}: {error}"
                print(reason)
            respond(event, context, status, reason)


        def release(group_name):
            autoscaling = boto3.client("autoscaling")
            groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group_name])["AutoScalingGroups"]
            if not groups:
                return
            autoscaling.update_auto_scaling_group(
                AutoScalingGroupName=group_name, MinSize=0, DesiredCapacity=0, NewInstancesProtectedFromScaleIn=False)
            protected = [instance["InstanceId"] for instance in groups[0]["Instances"] if instance.get("ProtectedFromScaleIn")]
            # SetInstanceProtection takes at most 50 instances per call.
            for start in range(0, len(protected), 50):
                autoscaling.set_instance_protection(
                    AutoScalingGroupName=group_name, InstanceIds=protected[start:start + 50], ProtectedFromScaleIn=False)
            print(f"released {len(protected)} instance(s) of {group_name}")


        def respond(event, context, status, reason):
            body = json.dumps({
                "Status": status,
                "Reason": f"{reason} (log stream {context.log_stream_name})",
                "PhysicalResourceId": event.get("PhysicalResourceId") or event["LogicalResourceId"],
                "StackId": event["StackId"],
                "RequestId": event["RequestId"],
                "LogicalResourceId": event["LogicalResourceId"],
            }).encode()
            request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                             headers={"content-type": "", "content-length": str(len(body))})
            urllib.request.urlopen(request, timeout=30)
        """;

    public ScaleInProtectionRelease(Construct scope, string id, IAutoScalingGroup group, RetentionDays logRetention, RemovalPolicy logRemovalPolicy)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(group);
        var stack = Stack.Of(this);
        var logGroup = new LogGroup(this, "Logs", new LogGroupProps { Retention = logRetention, RemovalPolicy = logRemovalPolicy });

        var role = FunctionRole.Create(this, "Role", logGroup, "Lifts scale-in protection from the GPU instances when the stack is deleted.");
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadGroups",
            Actions = ["autoscaling:DescribeAutoScalingGroups"],
            Resources = ["*"],
        }));
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReleaseOneGroup",
            Actions = ["autoscaling:SetInstanceProtection", "autoscaling:UpdateAutoScalingGroup"],
            Resources = [$"arn:{stack.Partition}:autoscaling:{stack.Region}:{stack.Account}:autoScalingGroup:*:autoScalingGroupName/{group.AutoScalingGroupName}"],
        }));
        var policy = role.Node.FindChild("DefaultPolicy").Node.FindChild("Resource");
        NagAcknowledgements.Acknowledge(policy, "AwsSolutions-IAM5", NagReasons.AutoScalingDescribe, "Resource::*");
        // cdk-nag names the finding by the ARN as synthesized: a pseudo parameter where the stack has no concrete
        // account, region or partition, the value itself where it has (as `cdk synth` with a profile gives it).
        static string AsSynthesized(string value, string pseudoParameter) => Token.IsUnresolved(value) ? $"<AWS::{pseudoParameter}>" : value;
        NagAcknowledgements.Acknowledge(policy, "AwsSolutions-IAM5", NagReasons.AutoScalingGroupArn,
            $"Resource::arn:{AsSynthesized(stack.Partition, "Partition")}:autoscaling:{AsSynthesized(stack.Region, "Region")}:{AsSynthesized(stack.Account, "AccountId")}:autoScalingGroup:*:autoScalingGroupName/<{LogicalIdOf(group)}>");

        Handler = new Function(this, "Handler", new FunctionProps
        {
            Description = "On stack deletion, lifts scale-in protection from the Auto Scaling group's instances so that CloudFormation can delete the group.",
            Runtime = Runtime.PYTHON_3_12,
            Handler = "index.handler",
            Code = Code.FromInline(HandlerSource),
            Timeout = Duration.Minutes(2),
            MemorySize = 128,
            Role = role,
            LogGroup = logGroup,
        });
        NagAcknowledgements.Acknowledge(Handler, "AwsSolutions-L1", NagReasons.TeardownRuntime);
        NagAcknowledgements.Acknowledge(Handler, "Serverless-LambdaLatestVersion", NagReasons.TeardownRuntime);
        NagAcknowledgements.Acknowledge(Handler, "Serverless-LambdaDLQ", NagReasons.TeardownInvocation);
        NagAcknowledgements.Acknowledge(Handler, "Serverless-LambdaTracing", NagReasons.TeardownTracing);

        Resource = new CustomResource(this, "Resource", new CustomResourceProps
        {
            ServiceToken = Handler.FunctionArn,
            ResourceType = "Custom::ScaleInProtectionRelease",
            Properties = new Dictionary<string, object> { ["AutoScalingGroupName"] = group.AutoScalingGroupName },
        });

        // The role's policy must exist while the handler runs on delete.
        Resource.Node.AddDependency(role);
    }

    public IFunction Handler { get; }

    public CustomResource Resource { get; }

    /// <summary>Makes CloudFormation delete <paramref name="construct"/> (the capacity provider) before this runs.</summary>
    public void DeleteAfter(IConstruct construct)
    {
        ArgumentNullException.ThrowIfNull(construct);
        construct.Node.AddDependency(Resource);
    }

    private static string LogicalIdOf(IAutoScalingGroup group) =>
        Stack.Of(group).GetLogicalId((CfnElement)group.Node.DefaultChild!);
}
