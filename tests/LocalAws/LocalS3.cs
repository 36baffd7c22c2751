using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;

namespace ReferenceArchitectures.Testing.LocalAws;

/// <summary>One stored object version.</summary>
public sealed record LocalS3Object(
    string Bucket,
    string Key,
    string? VersionId,
    byte[] Content,
    string ContentType,
    IReadOnlyDictionary<string, string> Metadata,
    DateTimeOffset LastModified)
{
    // S3 defines the ETag of a single-part upload as the MD5 of the content; it is a protocol value, not security.
#pragma warning disable CA5351
    public string ETag { get; } = "\"" + Convert.ToHexStringLower(MD5.HashData(Content)) + "\"";
#pragma warning restore CA5351
}

/// <summary>
/// S3 over path-style REST (https://docs.aws.amazon.com/AmazonS3/latest/API/): PutObject, GetObject and HeadObject
/// (with versionId), ListObjectsV2 and CreateBucket. Versioned buckets keep every version and answer
/// <c>x-amz-version-id</c>. Bodies sent with <c>Content-Encoding: aws-chunked</c> (the SDK's streaming checksums) are decoded.
/// </summary>
public sealed class LocalS3
{
    private const string XmlNamespace = "http://s3.amazonaws.com/doc/2006-03-01/";
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private long _versionCounter;

    public void CreateBucket(string name, bool versioned = false) =>
        _buckets.TryAdd(name, new Bucket(versioned));

    /// <summary>Stores an object as PutObject would; returns its version id (null in an unversioned bucket).</summary>
    public string? PutObject(string bucket, string key, byte[] content, string contentType = "application/octet-stream", IReadOnlyDictionary<string, string>? metadata = null)
    {
        var target = _buckets.TryGetValue(bucket, out var found) ? found : throw new KeyNotFoundException($"No bucket '{bucket}'; create it first.");
        return Store(target, bucket, key, content, contentType, metadata ?? new Dictionary<string, string>()).VersionId;
    }

    /// <summary>The latest version of every key in the bucket, in key order.</summary>
    public IReadOnlyList<LocalS3Object> Objects(string bucket) =>
        _buckets.TryGetValue(bucket, out var found) ? found.Latest() : [];

    /// <summary>The object's latest version, or the given version; null if there is none.</summary>
    public LocalS3Object? GetObject(string bucket, string key, string? versionId = null) =>
        _buckets.TryGetValue(bucket, out var found) ? found.Find(key, versionId) : null;

    internal static ServiceResponse FaultResponse(LocalFault fault) => fault switch
    {
        LocalFault.Throttling => Error(503, "SlowDown", "Please reduce your request rate."),
        _ => Error(500, "InternalError", "We encountered an internal error. Please try again."),
    };

    internal ServiceResponse Handle(S3Request request)
    {
        if (request.Bucket.Length == 0)
        {
            return Error(400, "InvalidRequest", "Only path-style requests to a bucket are supported; set ForcePathStyle on the client.");
        }

        if (request.Operation == "CreateBucket")
        {
            CreateBucket(request.Bucket);
            return new ServiceResponse(200, null, [], new Dictionary<string, string> { ["Location"] = "/" + request.Bucket });
        }

        if (!_buckets.TryGetValue(request.Bucket, out var bucket))
        {
            return Error(404, "NoSuchBucket", $"The specified bucket does not exist: {request.Bucket}");
        }

        return request.Operation switch
        {
            "PutObject" => Put(bucket, request),
            "GetObject" or "HeadObject" => Get(bucket, request, includeBody: request.Operation == "GetObject"),
            "ListObjectsV2" => List(bucket, request),
            _ => Error(501, "NotImplemented", $"{request.Method} {request.RawPath} is not implemented by the local S3 endpoint."),
        };
    }

    private LocalS3Object Store(Bucket bucket, string bucketName, string key, byte[] content, string contentType, IReadOnlyDictionary<string, string> metadata)
    {
        var versionId = bucket.Versioned
            ? Interlocked.Increment(ref _versionCounter).ToString("D12", CultureInfo.InvariantCulture) + "." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))
            : null;
        var stored = new LocalS3Object(bucketName, key, versionId, content, contentType, metadata, DateTimeOffset.UtcNow);
        bucket.Add(stored);
        return stored;
    }

    private ServiceResponse Put(Bucket bucket, S3Request request)
    {
        var stored = Store(bucket, request.Bucket, request.Key, request.Body, request.ContentType ?? "application/octet-stream", request.Metadata);
        var headers = new Dictionary<string, string> { ["ETag"] = stored.ETag };
        if (stored.VersionId is { } versionId)
        {
            headers["x-amz-version-id"] = versionId;
        }

        return new ServiceResponse(200, null, [], headers);
    }

    private static ServiceResponse Get(Bucket bucket, S3Request request, bool includeBody)
    {
        var versionId = request.Query.TryGetValue("versionId", out var version) ? version : null;
        var found = bucket.Find(request.Key, versionId);
        if (found is null)
        {
            // HEAD answers carry no body, so the SDK reads only the status.
            return versionId is null
                ? Error(404, "NoSuchKey", $"The specified key does not exist: {request.Key}", includeBody)
                : Error(404, "NoSuchVersion", $"The specified version does not exist: {versionId}", includeBody);
        }

        var headers = new Dictionary<string, string>
        {
            ["ETag"] = found.ETag,
            ["Last-Modified"] = found.LastModified.ToString("R", CultureInfo.InvariantCulture),
            ["Accept-Ranges"] = "bytes",
        };
        if (found.VersionId is { } foundVersion)
        {
            headers["x-amz-version-id"] = foundVersion;
        }

        foreach (var (name, value) in found.Metadata)
        {
            headers["x-amz-meta-" + name] = value;
        }

        return includeBody
            ? new ServiceResponse(200, found.ContentType, found.Content, headers)
            // A HEAD answer states the object's length without sending it.
            : new ServiceResponse(200, found.ContentType, [], headers) { DeclaredLength = found.Content.Length };
    }

    private static ServiceResponse List(Bucket bucket, S3Request request)
    {
        var prefix = request.Query.GetValueOrDefault("prefix") ?? string.Empty;
        var maxKeys = int.TryParse(request.Query.GetValueOrDefault("max-keys"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var max) ? Math.Clamp(max, 1, 1000) : 1000;
        var after = request.Query.GetValueOrDefault("continuation-token") ?? request.Query.GetValueOrDefault("start-after") ?? string.Empty;
        var matching = bucket.Latest()
            .Where(item => item.Key.StartsWith(prefix, StringComparison.Ordinal) && string.CompareOrdinal(item.Key, after) > 0)
            .ToList();
        var page = matching.Take(maxKeys).ToList();
        var truncated = matching.Count > page.Count;
        XNamespace ns = XmlNamespace;
        var result = new XElement(ns + "ListBucketResult",
            new XElement(ns + "Name", request.Bucket),
            new XElement(ns + "Prefix", prefix),
            new XElement(ns + "KeyCount", page.Count),
            new XElement(ns + "MaxKeys", maxKeys),
            new XElement(ns + "IsTruncated", truncated ? "true" : "false"),
            truncated ? new XElement(ns + "NextContinuationToken", page[^1].Key) : null,
            page.Select(item => new XElement(ns + "Contents",
                new XElement(ns + "Key", item.Key),
                new XElement(ns + "LastModified", item.LastModified.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)),
                new XElement(ns + "ETag", item.ETag),
                new XElement(ns + "Size", item.Content.Length),
                new XElement(ns + "StorageClass", "STANDARD"))));
        return Xml(200, result);
    }

    private static ServiceResponse Error(int status, string code, string message, bool includeBody = true)
    {
        var body = new XElement("Error", new XElement("Code", code), new XElement("Message", message));
        return includeBody ? Xml(status, body, code) : new ServiceResponse(status, null, [], ServiceResponse.NoHeaders, code);
    }

    private static ServiceResponse Xml(int status, XElement element, string? errorCode = null) =>
        new(status, "application/xml", Encoding.UTF8.GetBytes(new XDeclaration("1.0", "UTF-8", null) + element.ToString(SaveOptions.DisableFormatting)), ServiceResponse.NoHeaders, errorCode);

    private sealed class Bucket(bool versioned)
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<string, List<LocalS3Object>> _versions = new(StringComparer.Ordinal);

        public bool Versioned { get; } = versioned;

        public void Add(LocalS3Object item)
        {
            lock (_lock)
            {
                if (!_versions.TryGetValue(item.Key, out var list) || !Versioned)
                {
                    list = [];
                    _versions[item.Key] = list;
                }

                list.Add(item);
            }
        }

        public LocalS3Object? Find(string key, string? versionId)
        {
            lock (_lock)
            {
                if (!_versions.TryGetValue(key, out var list))
                {
                    return null;
                }

                return versionId is null or "null" && !Versioned ? list[^1]
                    : versionId is null ? list[^1]
                    : list.LastOrDefault(item => item.VersionId == versionId);
            }
        }

        public IReadOnlyList<LocalS3Object> Latest()
        {
            lock (_lock)
            {
                return [.. _versions.OrderBy(entry => entry.Key, StringComparer.Ordinal).Select(entry => entry.Value[^1])];
            }
        }
    }
}

/// <summary>An S3 request decoded from path-style REST.</summary>
internal sealed record S3Request(string Method, string RawPath, string Bucket, string Key, IReadOnlyDictionary<string, string> Query,
    string? ContentType, IReadOnlyDictionary<string, string> Metadata, byte[] Body)
{
    public string Operation => (Method, Key.Length == 0) switch
    {
        ("PUT", true) => "CreateBucket",
        ("PUT", false) => "PutObject",
        ("GET", false) => "GetObject",
        ("HEAD", false) => "HeadObject",
        ("GET", true) when Query.GetValueOrDefault("list-type") == "2" => "ListObjectsV2",
        _ => Method + (Key.Length == 0 ? "Bucket" : "Object"),
    };

    public static async Task<S3Request> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // The raw path keeps '/' in keys apart from an encoded '%2F', and '+' as itself.
        var rawPath = request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "/";
        var pathOnly = rawPath.Split('?', 2)[0].TrimStart('/');
        var slash = pathOnly.IndexOf('/', StringComparison.Ordinal);
        var bucket = Uri.UnescapeDataString(slash < 0 ? pathOnly : pathOnly[..slash]);
        var key = slash < 0 ? string.Empty : Uri.UnescapeDataString(pathOnly[(slash + 1)..]);
        var query = request.Query.ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.Ordinal);
        var metadata = request.Headers
            .Where(header => header.Key.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(header => header.Key["x-amz-meta-".Length..].ToLowerInvariant(), header => header.Value.ToString(), StringComparer.Ordinal);

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var body = buffer.ToArray();
        if (request.Headers.ContentEncoding.ToString().Contains("aws-chunked", StringComparison.OrdinalIgnoreCase)
            || request.Headers["x-amz-content-sha256"].ToString().StartsWith("STREAMING-", StringComparison.Ordinal))
        {
            body = AwsChunkedDecoder.Decode(body);
        }

        return new S3Request(request.Method, rawPath, bucket, key, query, request.ContentType, metadata, body);
    }
}

/// <summary>
/// Decodes the <c>aws-chunked</c> content encoding: chunks of <c>hex-size[;chunk-signature=...]\r\n data \r\n</c>, a
/// zero-size chunk, then optional trailers such as a checksum
/// (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html).
/// </summary>
internal static class AwsChunkedDecoder
{
    public static byte[] Decode(byte[] encoded)
    {
        using var decoded = new MemoryStream();
        var position = 0;
        while (true)
        {
            var lineEnd = IndexOfCrLf(encoded, position);
            if (lineEnd < 0)
            {
                throw Invalid("a chunk header has no line end");
            }

            var header = Encoding.ASCII.GetString(encoded, position, lineEnd - position);
            var sizeText = header.Split(';', 2)[0].Trim();
            if (!int.TryParse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) || size < 0)
            {
                throw Invalid($"'{header}' is not a chunk header");
            }

            position = lineEnd + 2;
            if (size == 0)
            {
                return decoded.ToArray();
            }

            if (position + size > encoded.Length)
            {
                throw Invalid("a chunk is shorter than its header says");
            }

            decoded.Write(encoded, position, size);
            position += size + 2;
        }
    }

    private static int IndexOfCrLf(byte[] data, int start)
    {
        for (var i = start; i + 1 < data.Length; i++)
        {
            if (data[i] == '\r' && data[i + 1] == '\n')
            {
                return i;
            }
        }

        return -1;
    }

    private static LocalAwsRequestException Invalid(string what)
    {
        var body = new XElement("Error", new XElement("Code", "IncompleteBody"), new XElement("Message", $"The aws-chunked body cannot be decoded: {what}."));
        var response = new ServiceResponse(400, "application/xml", Encoding.UTF8.GetBytes(body.ToString(SaveOptions.DisableFormatting)), ServiceResponse.NoHeaders, "IncompleteBody");
        return new LocalAwsRequestException(LocalAwsService.S3, response, what);
    }
}
