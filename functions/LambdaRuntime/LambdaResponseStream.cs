namespace ReferenceArchitectures.LambdaRuntime;

/// <summary>
/// The body of a streamed response. Write-only: every write is sent to Lambda as one HTTP chunk and flushed,
/// so the caller sees bytes as the handler produces them. <see cref="ContentType"/> can change until the first
/// byte is written, because it travels in the request headers that precede the body.
/// </summary>
public sealed class LambdaResponseStream : Stream
{
    private readonly StreamingResponseRequest _request;
    private string _contentType = "application/octet-stream";
    private bool _disposed;

    internal LambdaResponseStream(StreamingResponseRequest request) => _request = request;

    public string ContentType
    {
        get => _contentType;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            if (HasStarted)
            {
                throw new InvalidOperationException("The content type cannot change once the response has started streaming.");
            }

            if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
            {
                throw new ArgumentException("A content type must not contain line breaks.", nameof(value));
            }

            _contentType = value;
        }
    }

    /// <summary>True once any byte was sent; from then on a failure can only be reported in the trailers.</summary>
    public bool HasStarted { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_disposed;

    public override long Length => throw new NotSupportedException("A response stream has no length.");

    public override long Position
    {
        get => throw new NotSupportedException("A response stream cannot seek.");
        set => throw new NotSupportedException("A response stream cannot seek.");
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return;
        }

        await _request.StartAsync(_contentType, cancellationToken).ConfigureAwait(false);
        HasStarted = true;
        await _request.WriteChunkAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return;
        }

        if (!HasStarted)
        {
            // Connecting is the one step without a synchronous counterpart here; it happens once per response.
            _request.StartAsync(_contentType, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            HasStarted = true;
        }

        _request.WriteChunk(buffer);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    // Every write is already flushed.
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("A response stream is write-only.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A response stream cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException("A response stream cannot seek.");

    // Only marks the stream closed: the host ends the HTTP request, because only it knows whether the handler failed.
    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        base.Dispose(disposing);
    }
}
