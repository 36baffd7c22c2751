using Amazon.CDK;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>
/// Runs the CDK's own custom-resource handlers (for example the one that strips the default security group's
/// rules from every VPC) on Node.js 24, the newest Node.js runtime on Lambda's runtimes page
/// (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html). CDK 2.160, the newest that works with the
/// Constructs package served here, gives them Node.js 20, which Lambda deprecated on 2026-04-30; Node.js 22 follows in
/// 2027. Their code uses only the AWS SDK for JavaScript v3 that the runtime includes, and runs unchanged on 24.
/// </summary>
/// <remarks>Derives from <see cref="DeputyBase"/>: a C# aspect without it is never called by the CDK.</remarks>
public sealed class CustomResourceRuntimeUpgrade : DeputyBase, IAspect
{
    public const string NodeRuntime = "nodejs24.x";

    public void Visit(IConstruct node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.Node.Id == "Handler"
            && node.Node.Scope?.Node.Id.EndsWith("CustomResourceProvider", StringComparison.Ordinal) == true
            && CfnResource.IsCfnResource(node)
            && node is CfnResource { CfnResourceType: "AWS::Lambda::Function" } handler)
        {
            handler.AddPropertyOverride("Runtime", NodeRuntime);
        }
    }
}
