using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ReferenceArchitectures.Testing.LocalAws;

/// <summary>
/// One authorization IAM makes for a request: the action, the resource's ARN (in the local account and Region) and the
/// request context that policy conditions can test. A request can need more than one.
/// </summary>
public sealed record IamAuthorization(string Action, string Resource, IReadOnlyDictionary<string, string[]> Context);

/// <summary>
/// What each operation the local endpoints answer asks IAM for, from each API's "Permissions" section and the Service
/// Authorization Reference (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html):
/// <list type="bullet">
/// <item>S3 GetObject and HeadObject need <c>s3:GetObject</c> on the object, or <c>s3:GetObjectVersion</c> when the
/// request names a version (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html,
/// https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html); PutObject needs <c>s3:PutObject</c>
/// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html); ListObjectsV2 needs <c>s3:ListBucket</c> on
/// the bucket (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html); CreateBucket needs
/// <c>s3:CreateBucket</c>.</item>
/// <item>DynamoDB: <c>dynamodb:&lt;Operation&gt;</c> on the table (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html).</item>
/// <item>SQS: <c>sqs:&lt;Operation&gt;</c> on the queue (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsqs.html).</item>
/// </list>
/// The context holds <c>aws:SecureTransport</c> = true: the SDKs reach AWS's endpoints over HTTPS (the local endpoint
/// is plain HTTP on loopback, which says nothing about what AWS would see). Customer-managed KMS keys on the data, which
/// would add <c>kms:</c> calls on the caller's behalf, are not modelled: the pipeline's buckets use SSE-S3, its table
/// and queue AWS-owned keys; <see cref="ForS3"/> refuses nothing on that ground, so a stack that moves to SSE-KMS needs
/// this extended.
/// </summary>
public static class IamAuthorizations
{
    public const string Region = "us-east-1";

    private static readonly IReadOnlyDictionary<string, string[]> OverHttps = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["aws:SecureTransport"] = ["true"],
    };

    internal static IReadOnlyList<IamAuthorization> ForS3(S3Request request)
    {
        var objectArn = $"arn:aws:s3:::{request.Bucket}/{request.Key}";
        var versioned = request.Query.ContainsKey("versionId");
        return request.Operation switch
        {
            "GetObject" or "HeadObject" => [new(versioned ? "s3:GetObjectVersion" : "s3:GetObject", objectArn, OverHttps)],
            "PutObject" => [new("s3:PutObject", objectArn, OverHttps)],
            "ListObjectsV2" => [new("s3:ListBucket", $"arn:aws:s3:::{request.Bucket}", OverHttps)],
            "CreateBucket" => [new("s3:CreateBucket", $"arn:aws:s3:::{request.Bucket}", OverHttps)],
            _ => [],
        };
    }

    internal static IReadOnlyList<IamAuthorization> ForDynamoDb(string operation, JsonObject? request)
    {
        if ((string?)request?["TableName"] is not { } table)
        {
            return [];
        }

        var index = (string?)request["IndexName"];
        var arn = $"arn:aws:dynamodb:{Region}:{LocalAwsServer.AccountId}:table/{table}" + (index is null ? "" : "/index/" + index);
        return [new("dynamodb:" + operation, arn, OverHttps)];
    }

    internal static IReadOnlyList<IamAuthorization> ForSqs(string operation, JsonObject? request)
    {
        var name = (string?)request?["QueueName"] ?? ((string?)request?["QueueUrl"])?.TrimEnd('/').Split('/')[^1];
        return name is null ? [] : [new("sqs:" + operation, $"arn:aws:sqs:{Region}:{LocalAwsServer.AccountId}:{name}", OverHttps)];
    }

    /// <summary>
    /// The access key id a SigV4 request was signed with, from the Authorization header's <c>Credential=</c> or a
    /// presigned URL's <c>X-Amz-Credential</c> (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
    /// </summary>
    public static string? AccessKeyId(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authorization = request.Headers.Authorization.ToString();
        var at = authorization.IndexOf("Credential=", StringComparison.Ordinal);
        var credential = at >= 0 ? authorization[(at + "Credential=".Length)..] : request.Query["X-Amz-Credential"].ToString();
        var slash = credential.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? credential[..slash] : null;
    }
}
