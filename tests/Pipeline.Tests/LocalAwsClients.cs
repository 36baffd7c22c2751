using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;
using ReferenceArchitectures.Testing.LocalAws;
using ReferenceArchitectures.Testing.LocalBedrock;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>The real AWS SDK clients, pointed at a <see cref="LocalAwsServer"/>.</summary>
public static class LocalAwsClients
{
    public const string Region = "us-east-1";

    /// <summary>The test's own credentials: an uploader or operator, not one of the template's roles.</summary>
    private static AWSCredentials Credentials { get; } = new BasicAWSCredentials("AKIDLOCALAWS", "local/aws/secret/EXAMPLEKEY");

    public static AmazonS3Client S3(LocalAwsServer server, AWSCredentials? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        return new AmazonS3Client(credentials ?? Credentials, new AmazonS3Config
        {
            ServiceURL = server.Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = Region,
        });
    }

    public static AmazonDynamoDBClient DynamoDb(LocalAwsServer server, AWSCredentials? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        return new AmazonDynamoDBClient(credentials ?? Credentials, new AmazonDynamoDBConfig { ServiceURL = server.Endpoint.ToString(), AuthenticationRegion = Region });
    }

    public static AmazonSQSClient Sqs(LocalAwsServer server, AWSCredentials? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        return new AmazonSQSClient(credentials ?? Credentials, new AmazonSQSConfig { ServiceURL = server.Endpoint.ToString(), AuthenticationRegion = Region });
    }
}

/// <summary>
/// Credentials per role of the template, as Lambda and ECS hand each function and task its role's session: the access
/// key id names the role's logical id, so that every recorded request can be evaluated as that role.
/// </summary>
public static class RoleCredentials
{
    private const string Prefix = "LOCALROLE";

    public static BasicAWSCredentials For(string roleLogicalId) => new(AccessKeyId(roleLogicalId), Secret(roleLogicalId));

    public static LocalBedrockCredentials ForBedrock(string roleLogicalId) => new(AccessKeyId(roleLogicalId), Secret(roleLogicalId));

    /// <summary>The role whose credentials signed a request, or null for the test's own.</summary>
    public static string? RoleOf(string? accessKeyId) =>
        accessKeyId is not null && accessKeyId.StartsWith(Prefix, StringComparison.Ordinal) ? accessKeyId[Prefix.Length..] : null;

    private static string AccessKeyId(string role) => Prefix + role;

    private static string Secret(string role) => "local/role/secret/" + role;
}
