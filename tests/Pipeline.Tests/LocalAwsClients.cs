using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;
using ReferenceArchitectures.Testing.Iam;
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

/// <summary>The SDK's and the local Bedrock's credentials for one role of the template (<see cref="RoleKeys"/>).</summary>
public static class RoleCredentials
{
    public static BasicAWSCredentials For(string roleLogicalId)
    {
        var (id, secret) = RoleKeys.For(roleLogicalId);
        return new BasicAWSCredentials(id, secret);
    }

    public static LocalBedrockCredentials ForBedrock(string roleLogicalId)
    {
        var (id, secret) = RoleKeys.For(roleLogicalId);
        return new LocalBedrockCredentials(id, secret);
    }

    /// <inheritdoc cref="RoleKeys.RoleOf"/>
    public static string? RoleOf(string? accessKeyId) => RoleKeys.RoleOf(accessKeyId);
}
