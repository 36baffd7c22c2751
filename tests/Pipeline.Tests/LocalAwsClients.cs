using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;
using ReferenceArchitectures.Testing.LocalAws;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>The real AWS SDK clients, pointed at a <see cref="LocalAwsServer"/>.</summary>
public static class LocalAwsClients
{
    public const string Region = "us-east-1";

    private static AWSCredentials Credentials { get; } = new BasicAWSCredentials("AKIDLOCALAWS", "local/aws/secret/EXAMPLEKEY");

    public static AmazonS3Client S3(LocalAwsServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return new AmazonS3Client(Credentials, new AmazonS3Config
        {
            ServiceURL = server.Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = Region,
        });
    }

    public static AmazonDynamoDBClient DynamoDb(LocalAwsServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return new AmazonDynamoDBClient(Credentials, new AmazonDynamoDBConfig { ServiceURL = server.Endpoint.ToString(), AuthenticationRegion = Region });
    }

    public static AmazonSQSClient Sqs(LocalAwsServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return new AmazonSQSClient(Credentials, new AmazonSQSConfig { ServiceURL = server.Endpoint.ToString(), AuthenticationRegion = Region });
    }
}
