using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using ReferenceArchitectures.Documents;

namespace ReferenceArchitectures.Pipeline;

/// <summary>An uploaded object as read from S3: its content (seekable), type and size.</summary>
public sealed record DocumentContent(Stream Content, string? ContentType, long Length) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Content.DisposeAsync();
}

/// <summary>Reading uploaded documents and writing results, by the keys <see cref="DocumentReference"/> defines.</summary>
public sealed class DocumentObjects(IAmazonS3 s3, string outputBucket)
{
    /// <summary>
    /// Downloads one object version. Documents are read more than once (inspection, then extraction), so the content
    /// is buffered: in memory up to <paramref name="memoryLimitBytes"/>, in a temporary file beyond.
    /// </summary>
    public async Task<DocumentContent> OpenAsync(DocumentReference document, long memoryLimitBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        using var response = await s3.GetObjectAsync(new GetObjectRequest
        {
            BucketName = document.Bucket,
            Key = document.Key,
            VersionId = document.VersionId,
        }, cancellationToken).ConfigureAwait(false);

        Stream buffer = response.ContentLength <= memoryLimitBytes
            ? new MemoryStream(checked((int)Math.Max(response.ContentLength, 0)))
            : new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await response.ResponseStream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        buffer.Position = 0;
        return new DocumentContent(buffer, response.Headers.ContentType, buffer.Length);
    }

    public async Task WriteResultAsync(DocumentReference document, DocumentAnalysis analysis, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var json = JsonSerializer.SerializeToUtf8Bytes(analysis, PipelineJsonContext.Default.DocumentAnalysis);
        using var body = new MemoryStream(json);
        await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = outputBucket,
            Key = document.ResultKey,
            InputStream = body,
            ContentType = "application/json",
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<DocumentAnalysis> ReadResultAsync(DocumentReference document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        using var response = await s3.GetObjectAsync(outputBucket, document.ResultKey, cancellationToken).ConfigureAwait(false);
        return await JsonSerializer.DeserializeAsync(response.ResponseStream, PipelineJsonContext.Default.DocumentAnalysis, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidPipelineInputException($"The result {document.ResultKey} is empty.");
    }

    /// <summary>Uploads the heavy path's chunk embeddings, written beforehand to <paramref name="jsonLines"/>.</summary>
    public async Task WriteEmbeddingsAsync(DocumentReference document, Stream jsonLines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(jsonLines);
        jsonLines.Position = 0;
        await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = outputBucket,
            Key = document.EmbeddingsKey,
            InputStream = jsonLines,
            ContentType = "application/x-ndjson",
            AutoCloseStream = false,
        }, cancellationToken).ConfigureAwait(false);
    }
}
