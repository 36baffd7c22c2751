using Amazon.S3;

namespace ReferenceArchitectures.ModelServer;

/// <summary>The S3 client for <see cref="S3ModelSource"/>: credentials and region from the SDK's default chains (in
/// ECS, the task role and <c>AWS_REGION</c>).</summary>
public static class S3ClientSettings
{
    /// <summary>The AWS SDKs' name for a service-specific endpoint
    /// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).</summary>
    public const string EndpointVariable = "AWS_ENDPOINT_URL_S3";

    /// <summary>Client settings; with <c>AWS_ENDPOINT_URL_S3</c> set (a local S3-compatible endpoint in tests), the
    /// client sends there, path-style, because such endpoints rarely have a DNS name per bucket.</summary>
    public static AmazonS3Config CreateConfig(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var config = new AmazonS3Config();
        if (configuration[EndpointVariable] is { Length: > 0 } endpoint)
        {
            config.ServiceURL = endpoint;
            config.ForcePathStyle = true;
        }

        return config;
    }
}
