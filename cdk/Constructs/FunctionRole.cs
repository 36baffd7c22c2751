using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>
/// The role every Lambda function here runs with: it may write only to the function's own log group, where the managed
/// AWSLambdaBasicExecutionRole may write to any log group in the account. What else the function needs is added to it
/// as statements scoped to ARNs.
/// </summary>
public static class FunctionRole
{
    public const string WriteOwnLogGroupSid = "WriteOwnLogGroup";

    public static Role Create(Construct scope, string id, ILogGroup logGroup, string description)
    {
        ArgumentNullException.ThrowIfNull(logGroup);
        var role = new Role(scope, id, new RoleProps
        {
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            Description = description,
        });
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = WriteOwnLogGroupSid,
            Actions = ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resources = [logGroup.LogGroupArn],
        }));
        return role;
    }
}
