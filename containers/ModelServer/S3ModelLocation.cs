using System.Diagnostics.CodeAnalysis;

namespace ReferenceArchitectures.ModelServer;

/// <summary>A bucket and a key prefix, from <c>s3://bucket/prefix/</c>. The prefix is empty or ends with a slash,
/// so that <c>models/bge</c> never matches <c>models/bge-old/</c>.</summary>
public sealed record S3ModelLocation(string Bucket, string Prefix)
{
    private const string Scheme = "s3://";

    /// <summary>The object key of a file under the prefix.</summary>
    public string KeyOf(string fileName) => Prefix + fileName;

    /// <summary>The <c>s3://</c> address of a file under the prefix, for messages.</summary>
    public string UriOf(string fileName) => $"{Scheme}{Bucket}/{KeyOf(fileName)}";

    /// <summary>The prefix's last segment (e.g. <c>bge-large-en-v1.5</c>), or the bucket when the prefix is empty.</summary>
    public string LastSegment => Prefix.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed[(trimmed.LastIndexOf('/') + 1)..] : Bucket;

    public override string ToString() => $"{Scheme}{Bucket}/{Prefix}";

    /// <exception cref="FormatException">The text is not an <c>s3://bucket/prefix/</c> address.</exception>
    public static S3ModelLocation Parse(string uri) =>
        TryParse(uri, out var location, out var problem) ? location : throw new FormatException(problem);

    public static bool TryParse(string? uri, [NotNullWhen(true)] out S3ModelLocation? location, [NotNullWhen(false)] out string? problem)
    {
        location = null;
        if (uri is null || !uri.StartsWith(Scheme, StringComparison.Ordinal))
        {
            problem = $"must look like s3://bucket/prefix/, not '{uri}'.";
            return false;
        }

        var rest = uri[Scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..];
        if (!IsBucketName(bucket))
        {
            // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
            problem = $"names bucket '{bucket}', which is not a valid bucket name (3–63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit).";
            return false;
        }

        if (prefix.StartsWith('/') || prefix.Contains("//", StringComparison.Ordinal))
        {
            problem = $"has an empty path segment in its prefix '{prefix}'.";
            return false;
        }

        if (prefix.Length > 0 && !prefix.EndsWith('/'))
        {
            prefix += "/";
        }

        location = new S3ModelLocation(bucket, prefix);
        problem = null;
        return true;
    }

    private static bool IsBucketName(string name) =>
        name.Length is >= 3 and <= 63
        && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-')
        && char.IsAsciiLetterOrDigit(name[0])
        && char.IsAsciiLetterOrDigit(name[^1]);
}
