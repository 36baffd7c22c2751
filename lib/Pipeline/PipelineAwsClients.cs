using Amazon;
using Amazon.DynamoDBv2;
using Amazon.S3;
using Amazon.SQS;

namespace ReferenceArchitectures.Pipeline;

/// <summary>
/// The AWS clients of the pipeline, for a region and optional endpoint overrides (the AWS SDKs' standard
/// <c>AWS_ENDPOINT_URL_S3</c>, <c>AWS_ENDPOINT_URL_DYNAMODB</c>, <c>AWS_ENDPOINT_URL_SQS</c>; unset in AWS).
/// </summary>
public sealed record PipelineAwsClients(IAmazonS3 S3, IAmazonDynamoDB DynamoDb, IAmazonSQS Sqs) : IDisposable
{
    public static PipelineAwsClients FromEnvironment(string region, Func<string, string?> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var endpoint = RegionEndpoint.GetBySystemName(region);
        var s3Config = new AmazonS3Config { RegionEndpoint = endpoint };
        if (Endpoint(read, "AWS_ENDPOINT_URL_S3") is { } s3Url)
        {
            // Local S3-compatible endpoints serve buckets by path, not by host name.
            s3Config = new AmazonS3Config { ServiceURL = s3Url, ForcePathStyle = true, AuthenticationRegion = region };
        }

        var dynamoConfig = Endpoint(read, "AWS_ENDPOINT_URL_DYNAMODB") is { } dynamoUrl
            ? new AmazonDynamoDBConfig { ServiceURL = dynamoUrl, AuthenticationRegion = region }
            : new AmazonDynamoDBConfig { RegionEndpoint = endpoint };
        var sqsConfig = Endpoint(read, "AWS_ENDPOINT_URL_SQS") is { } sqsUrl
            ? new AmazonSQSConfig { ServiceURL = sqsUrl, AuthenticationRegion = region }
            : new AmazonSQSConfig { RegionEndpoint = endpoint };
        return new PipelineAwsClients(new AmazonS3Client(s3Config), new AmazonDynamoDBClient(dynamoConfig), new AmazonSQSClient(sqsConfig));
    }

    private static string? Endpoint(Func<string, string?> read, string name) =>
        read(name) is { Length: > 0 } value
            ? Uri.TryCreate(value, UriKind.Absolute, out _) ? value : throw new InvalidOperationException($"{name} must be an absolute URL, not '{value}'.")
            : null;

    public void Dispose()
    {
        S3.Dispose();
        DynamoDb.Dispose();
        Sqs.Dispose();
    }
}
