using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using ReferenceArchitectures.Embeddings;

namespace ReferenceArchitectures.ModelServer;

/// <summary>
/// A model under an S3 prefix: <c>model.onnx</c> and <c>vocab.txt</c>, optionally <c>SHA256SUMS</c> (as
/// <c>sha256sum</c> writes it) or <c>model.onnx.sha256</c>. Files are fetched by name with GetObject only, so the
/// task role needs no ListBucket; a <c>SHA256SUMS</c> may name more files to fetch (an ONNX model's external
/// weights, e.g. <c>model.onnx.data</c>). Each file is streamed to the cache directory while its SHA-256 is
/// computed, then checked against the size S3 announced and the listed hash; the vocabulary must be a BERT
/// WordPiece vocabulary. The download happens once per instance, however often <see cref="LoadAsync"/> is called.
/// </summary>
public sealed partial class S3ModelSource(
    IAmazonS3 s3, S3ModelLocation location, string cacheDirectory, string modelName, ILogger<S3ModelSource> logger) : EmbeddingModelSource
{
    public const string ModelFileName = "model.onnx";
    public const string VocabularyFileName = "vocab.txt";
    public const string ChecksumsFileName = "SHA256SUMS";
    public const string ModelChecksumFileName = "model.onnx.sha256";

    /// <summary>A checksum file bigger than this is not a checksum file.</summary>
    private const int MaxChecksumFileBytes = 64 * 1024;

    private readonly Lock _gate = new();
    private Task<EmbeddingModelArtifacts>? _download;

    public override string ModelName => modelName;

    /// <summary>Where the files are written: the cache directory, then the bucket and prefix.</summary>
    public string TargetDirectory { get; } = TargetDirectoryFor(cacheDirectory, location);

    /// <exception cref="ModelSourceException">A file is missing, cannot be read, is cut short, does not match its
    /// hash, or is not what the server needs.</exception>
    public override async Task<EmbeddingModelArtifacts> LoadAsync(CancellationToken cancellationToken)
    {
        Task<EmbeddingModelArtifacts> download;
        lock (_gate)
        {
            download = _download ??= DownloadAndVerifyAsync(cancellationToken);
        }

        return await download.WaitAsync(cancellationToken);
    }

    private async Task<EmbeddingModelArtifacts> DownloadAndVerifyAsync(CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        LogDownloading(location, TargetDirectory);
        var expectedHashes = await ReadExpectedHashesAsync(cancellationToken);

        // A fresh folder each start: a file left by an interrupted earlier run is never mistaken for a good one.
        if (Directory.Exists(TargetDirectory))
        {
            Directory.Delete(TargetDirectory, recursive: true);
        }

        Directory.CreateDirectory(TargetDirectory);
        string[] files = [ModelFileName, VocabularyFileName, .. expectedHashes.Keys.Where(f => f is not ModelFileName and not VocabularyFileName).Order(StringComparer.Ordinal)];
        long bytes = 0;
        foreach (var file in files)
        {
            var (size, sha256) = await DownloadAsync(file, cancellationToken);
            bytes += size;
            if (expectedHashes.TryGetValue(file, out var expected) && !string.Equals(expected, sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ModelSourceException(
                    $"{location.UriOf(file)} does not match its checksum: its SHA-256 is {sha256}, the checksum file says {expected}. The upload is incomplete or the checksum file is stale; upload both again.");
            }
        }

        var vocabularyPath = Path.Combine(TargetDirectory, VocabularyFileName);
        var vocabulary = await File.ReadAllTextAsync(vocabularyPath, Encoding.UTF8, cancellationToken);
        try
        {
            WordPieceTokenizer.FromVocabulary(vocabulary);
        }
        catch (InvalidDataException error)
        {
            throw new ModelSourceException($"{location.UriOf(VocabularyFileName)} is not usable: {error.Message}", error);
        }

        var seconds = TimeProvider.System.GetElapsedTime(started).TotalSeconds;
        var verification = expectedHashes.Count == 0
            ? "sizes checked; no SHA256SUMS or model.onnx.sha256 under the prefix, so no hashes"
            : $"sizes and SHA-256 of {expectedHashes.Count} file(s) checked";
        LogDownloaded(files.Length, bytes, seconds, verification);
        return await FromFiles(modelName, Path.Combine(TargetDirectory, ModelFileName), vocabularyPath).LoadAsync(cancellationToken);
    }

    /// <summary>File name to lower-case hex SHA-256, from <c>SHA256SUMS</c> or else <c>model.onnx.sha256</c>; empty
    /// when neither exists.</summary>
    private async Task<Dictionary<string, string>> ReadExpectedHashesAsync(CancellationToken cancellationToken)
    {
        if (await TryReadSmallTextAsync(ChecksumsFileName, cancellationToken) is { } sums)
        {
            var hashes = ParseChecksums(sums, location.UriOf(ChecksumsFileName));
            if (!hashes.ContainsKey(ModelFileName))
            {
                throw new ModelSourceException($"{location.UriOf(ChecksumsFileName)} has no line for {ModelFileName}; list the model's SHA-256 there (sha256sum model.onnx vocab.txt > SHA256SUMS).");
            }

            return hashes;
        }

        if (await TryReadSmallTextAsync(ModelChecksumFileName, cancellationToken) is { } single)
        {
            var hash = single.Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            return IsSha256Hex(hash)
                ? new Dictionary<string, string>(StringComparer.Ordinal) { [ModelFileName] = hash!.ToLowerInvariant() }
                : throw new ModelSourceException($"{location.UriOf(ModelChecksumFileName)} does not start with a SHA-256 in hex (64 characters).");
        }

        return new Dictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>Reads sha256sum's output: <c>hash␠␠name</c> or <c>hash␠*name</c> per line.</summary>
    internal static Dictionary<string, string> ParseChecksums(string text, string origin)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var separator = line.IndexOf(' ', StringComparison.Ordinal);
            var hash = separator < 0 ? line : line[..separator];
            var name = separator < 0 ? "" : line[(separator + 1)..].TrimStart(' ').TrimStart('*');
            if (!IsSha256Hex(hash) || name.Length == 0)
            {
                throw new ModelSourceException($"{origin} line {lineNumber} is not '<sha256 in hex>  <file name>': '{line}'.");
            }

            // Only plain names: the files must sit directly under the prefix, and a name must not escape the cache folder.
            if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || name is "." or ".."
                || name.StartsWith("./", StringComparison.Ordinal))
            {
                throw new ModelSourceException($"{origin} line {lineNumber} names '{name}'; list only files directly under the prefix, by their plain names.");
            }

            if (!hashes.TryAdd(name, hash.ToLowerInvariant()))
            {
                throw new ModelSourceException($"{origin} lists {name} twice.");
            }
        }

        return hashes;
    }

    private static bool IsSha256Hex(string? text) => text is { Length: 64 } && text.All(char.IsAsciiHexDigit);

    /// <summary>An optional small file, or null when it is not there.</summary>
    private async Task<string?> TryReadSmallTextAsync(string fileName, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = location.Bucket, Key = location.KeyOf(fileName) }, cancellationToken);
            if (response.ContentLength > MaxChecksumFileBytes)
            {
                throw new ModelSourceException($"{location.UriOf(fileName)} has {response.ContentLength} bytes; a checksum file has at most {MaxChecksumFileBytes}.");
            }

            using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
            return await reader.ReadToEndAsync(cancellationToken);
        }
        catch (AmazonS3Exception error) when (error.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            // A role without s3:ListBucket gets 403, not 404, for a key that does not exist
            // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "Permissions"). The role that may
            // read model.onnx under this prefix may read this key too, so 403 here means the file is absent.
            return null;
        }
        catch (Exception error) when (error is AmazonServiceException or AmazonClientException or IOException)
        {
            throw new ModelSourceException($"Reading {location.UriOf(fileName)} failed: {error.Message}", error);
        }
    }

    private async Task<(long Size, string Sha256)> DownloadAsync(string fileName, CancellationToken cancellationToken)
    {
        var uri = location.UriOf(fileName);
        var target = Path.Combine(TargetDirectory, fileName);
        var partial = target + ".partial";
        var started = TimeProvider.System.GetTimestamp();
        long written = 0;
        long announced;
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            using var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = location.Bucket, Key = location.KeyOf(fileName) }, cancellationToken);
            announced = response.ContentLength;
            await using var body = response.ResponseStream;
            await using var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
            try
            {
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    sha256.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    written += read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (AmazonS3Exception error) when (error.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            throw new ModelSourceException(
                $"{uri} is missing ({(int)error.StatusCode} {error.ErrorCode}): the prefix must hold {ModelFileName} and {VocabularyFileName}. (S3 answers 403 rather than 404 for a missing key when the reader may not list the bucket; check the key and the task role's s3:GetObject on the prefix.)",
                error);
        }
        catch (Exception error) when (error is AmazonServiceException or AmazonClientException or IOException)
        {
            throw new ModelSourceException($"Downloading {uri} to {partial} failed after {written} bytes: {error.Message}", error);
        }

        if (written != announced)
        {
            throw new ModelSourceException($"{uri} was cut short: {written} bytes arrived, S3 announced {announced}.");
        }

        File.Move(partial, target, overwrite: true);
        var seconds = TimeProvider.System.GetElapsedTime(started).TotalSeconds;
        LogFileDownloaded(uri, written, seconds);
        return (written, Convert.ToHexStringLower(sha256.GetHashAndReset()));
    }

    private static string TargetDirectoryFor(string cacheDirectory, S3ModelLocation location)
    {
        var root = Path.GetFullPath(cacheDirectory);
        var target = Path.GetFullPath(Path.Combine(root, location.Bucket, location.Prefix));
        // S3 keys may hold "..": the prefix must not lead out of the cache directory.
        return target.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? target
            : throw new ModelSourceException($"The prefix of {location} leads outside Model:CacheDirectory ({root}).");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloading the model from {Uri} to {Directory}")]
    private partial void LogDownloading(S3ModelLocation uri, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloaded {Uri}: {Bytes} bytes in {Seconds:F1} s")]
    private partial void LogFileDownloaded(string uri, long bytes, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model files downloaded and verified: {Files} files, {Bytes} bytes in {Seconds:F1} s; {Verification}")]
    private partial void LogDownloaded(int files, long bytes, double seconds, string verification);
}

/// <summary>The model source cannot provide a usable model: a file is missing, damaged, or not what the server needs.</summary>
public sealed class ModelSourceException : Exception
{
    public ModelSourceException()
    {
    }

    public ModelSourceException(string message)
        : base(message)
    {
    }

    public ModelSourceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
