using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ReferenceArchitectures.LambdaRuntime;

/// <summary>
/// POST /runtime/invocation/{id}/response in streaming mode, written as HTTP/1.1 by hand because HttpClient
/// cannot send request trailers, and a failure after the first byte can only be reported in trailers
/// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html#runtimes-custom-response-streaming).
/// </summary>
internal sealed class StreamingResponseRequest : IAsyncDisposable
{
    /// <summary>
    /// The most the Runtime API reads as a trailer section: it is a Go server, and net/http gives up on trailers whose
    /// closing CRLF CRLF is not within its 4096-byte read buffer ("suspiciously long trailer"), which loses the error.
    /// </summary>
    public const int MaxTrailerBytes = 4096;

    private const string ErrorBodyTrailer = "Lambda-Runtime-Function-Error-Body";
    private static readonly byte[] ChunkEnd = "\r\n"u8.ToArray();
    private static readonly byte[] LastChunk = "0\r\n\r\n"u8.ToArray();

    private readonly string _host;
    private readonly int _port;
    private readonly string _authority;
    private readonly string _path;
    private TcpClient? _connection;
    private NetworkStream? _stream;
    private bool _finished;

    public StreamingResponseRequest(string host, int port, string authority, string path)
    {
        _host = host;
        _port = port;
        _authority = authority;
        _path = path;
    }

    /// <summary>True once the request line and headers went out; from then on errors go in trailers.</summary>
    public bool HasStarted => _stream is not null;

    public async ValueTask StartAsync(string contentType, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        if (_stream is not null)
        {
            return;
        }

        var connection = new TcpClient { NoDelay = true };
        try
        {
            await connection.ConnectAsync(_host, _port, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        _connection = connection;
        _stream = connection.GetStream();
        await _stream.WriteAsync(RequestHead(contentType), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends one chunk and pushes it onto the wire.</summary>
    public async ValueTask WriteChunkAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var stream = StartedStream();

        // An empty chunk would end the body, so there is nothing to send for an empty write.
        if (data.IsEmpty)
        {
            return;
        }

        var frame = Frame(data.Span, out var length);
        try
        {
            await stream.WriteAsync(frame.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    public void WriteChunk(ReadOnlySpan<byte> data)
    {
        var stream = StartedStream();
        if (data.IsEmpty)
        {
            return;
        }

        var frame = Frame(data, out var length);
        try
        {
            stream.Write(frame, 0, length);
            stream.Flush();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>Ends the body and checks that the Runtime API accepted the response.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        var stream = StartedStream();
        await stream.WriteAsync(LastChunk, cancellationToken).ConfigureAwait(false);
        await ReadAcceptedAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the body with the two error trailers (the body base64-encoded, as the docs require).</summary>
    public async Task FailAsync(LambdaErrorReport error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        var stream = StartedStream();
        var trailers = "0\r\n" + Trailers(error);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(trailers), cancellationToken).ConfigureAwait(false);
        await ReadAcceptedAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The trailer section, within <see cref="MaxTrailerBytes"/>: the error type (at most 128 characters) in full, and
    /// as much of the error document as fits once base64-encoded. The invocation loop logs the full report.
    /// </summary>
    internal static string Trailers(LambdaErrorReport error)
    {
        var errorType = RuntimeApiClient.HeaderSafe(error.ErrorType);
        errorType = errorType[..Math.Min(errorType.Length, 128)];
        var typeLine = $"{RuntimeApiClient.ErrorTypeHeader}: {errorType}\r\n";
        var base64Budget = MaxTrailerBytes - typeLine.Length - $"{ErrorBodyTrailer}: ".Length - "\r\n\r\n".Length;
        var body = error.ToJson(maxBytes: base64Budget / 4 * 3);
        return $"{typeLine}{ErrorBodyTrailer}: {Convert.ToBase64String(body)}\r\n\r\n";
    }

    public ValueTask DisposeAsync()
    {
        _finished = true;
        _stream?.Dispose();
        _connection?.Dispose();
        return ValueTask.CompletedTask;
    }

    private byte[] RequestHead(string contentType)
    {
        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"POST {_path} HTTP/1.1\r\n")
            .Append(CultureInfo.InvariantCulture, $"Host: {_authority}\r\n")
            .Append(CultureInfo.InvariantCulture, $"User-Agent: {RuntimeApiClient.UserAgent}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Type: {contentType}\r\n")
            .Append("Lambda-Runtime-Function-Response-Mode: streaming\r\n")
            .Append("Transfer-Encoding: chunked\r\n")
            .Append(CultureInfo.InvariantCulture, $"Trailer: {RuntimeApiClient.ErrorTypeHeader}, {ErrorBodyTrailer}\r\n")
            .Append("Connection: close\r\n")
            .Append("\r\n");
        return Encoding.ASCII.GetBytes(head.ToString());
    }

    private NetworkStream StartedStream()
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        return _stream ?? throw new InvalidOperationException("The streamed response has not been started.");
    }

    // Size line, data and CRLF in one buffer, so each chunk is one write rather than three small segments.
    private static byte[] Frame(ReadOnlySpan<byte> data, out int length)
    {
        Span<byte> sizeLine = stackalloc byte[16];
        data.Length.TryFormat(sizeLine, out var sizeDigits, "X", CultureInfo.InvariantCulture);
        sizeLine[sizeDigits++] = (byte)'\r';
        sizeLine[sizeDigits++] = (byte)'\n';
        length = sizeDigits + data.Length + ChunkEnd.Length;
        var frame = ArrayPool<byte>.Shared.Rent(length);
        sizeLine[..sizeDigits].CopyTo(frame);
        data.CopyTo(frame.AsSpan(sizeDigits));
        ChunkEnd.CopyTo(frame.AsSpan(sizeDigits + data.Length));
        return frame;
    }

    private async Task ReadAcceptedAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        _finished = true;
        var head = await ReadResponseHeadAsync(stream, cancellationToken).ConfigureAwait(false);

        // Status line: HTTP/1.1 SP status-code SP reason-phrase (RFC 9112 section 4).
        var statusLine = head[..Math.Max(0, head.IndexOf("\r\n", StringComparison.Ordinal))];
        var parts = statusLine.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            throw new LambdaRuntimeApiException($"POST {_path} got a malformed response status line '{statusLine}'.");
        }

        if (status is < 200 or > 299)
        {
            throw new LambdaRuntimeApiException($"POST {_path} (streaming) answered {status}: {head}", (HttpStatusCode)status);
        }
    }

    private async Task<string> ReadResponseHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        // The response head is small; 16 KiB is far beyond anything the Runtime API sends.
        var buffer = new byte[16 * 1024];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
            if (buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8) >= 0)
            {
                break;
            }
        }

        if (filled == 0)
        {
            throw new LambdaRuntimeApiException($"POST {_path} (streaming): the Runtime API closed the connection without answering.");
        }

        return Encoding.ASCII.GetString(buffer, 0, filled);
    }
}
