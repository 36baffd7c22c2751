using System.Buffers.Binary;
using Amazon.Runtime.EventStreams;

namespace ReferenceArchitectures.Bedrock;

/// <summary>A decoded frame of an <c>application/vnd.amazon.eventstream</c> body, with the numbers its prelude and trailer carry.</summary>
internal sealed record EventStreamFrame(int TotalLength, int HeadersLength, uint PreludeCrc, uint MessageCrc, EventStreamMessage Message)
{
    public string? Header(string name) =>
        Message.Headers.TryGetValue(name, out var header) && header.HeaderType == EventStreamHeaderType.String ? header.AsString() : null;
}

/// <summary>
/// Splits a response body into frames and decodes each with AWSSDK.Core's <see cref="EventStreamMessage.FromBuffer"/>.
/// </summary>
/// <remarks>
/// Frame layout (AWS SDKs' event-stream encoding): 4-byte total length, 4-byte headers length, 4-byte CRC-32 of those
/// 8 bytes, headers, payload, 4-byte CRC-32 of everything before it; all big-endian. The prelude checksum is checked
/// here before the length is trusted, so a corrupted length is reported as such instead of as a truncated stream.
/// </remarks>
internal sealed class EventStreamReader(Stream stream)
{
    private const int PreludeLength = 12;
    private const int MinimumFrameLength = PreludeLength + 4;

    /// <summary>Frames larger than this are treated as corruption; Bedrock's events are a few kilobytes at most.</summary>
    private const int MaximumFrameLength = 16 * 1024 * 1024;

    /// <summary>The next frame, or null at a clean end of the stream.</summary>
    public async ValueTask<EventStreamFrame?> ReadAsync(CancellationToken ct)
    {
        var prelude = new byte[PreludeLength];
        var read = await stream.ReadAtLeastAsync(prelude, PreludeLength, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        if (read == 0)
        {
            return null;
        }

        if (read < PreludeLength)
        {
            throw new BedrockEventStreamException($"Truncated event-stream frame: the stream ended {read} bytes into a 12-byte prelude.");
        }

        var totalLength = BinaryPrimitives.ReadInt32BigEndian(prelude);
        var headersLength = BinaryPrimitives.ReadInt32BigEndian(prelude.AsSpan(4));
        var preludeCrc = BinaryPrimitives.ReadUInt32BigEndian(prelude.AsSpan(8));
        if (Crc32.Compute(prelude.AsSpan(0, 8)) != preludeCrc)
        {
            throw new BedrockEventStreamException("Prelude checksum mismatch in event-stream frame.");
        }

        if (totalLength < MinimumFrameLength || totalLength > MaximumFrameLength || headersLength < 0 || headersLength > totalLength - MinimumFrameLength)
        {
            throw new BedrockEventStreamException($"Invalid event-stream frame lengths: total {totalLength}, headers {headersLength}.");
        }

        var frame = new byte[totalLength];
        prelude.CopyTo(frame, 0);
        read = await stream.ReadAtLeastAsync(frame.AsMemory(PreludeLength), totalLength - PreludeLength, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        if (read < totalLength - PreludeLength)
        {
            throw new BedrockEventStreamException($"Truncated event-stream frame: {PreludeLength + read} of {totalLength} bytes arrived.");
        }

        var messageCrc = BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(totalLength - 4));
        if (Crc32.Compute(frame.AsSpan(0, totalLength - 4)) != messageCrc)
        {
            throw new BedrockEventStreamException("Message checksum mismatch in event-stream frame.");
        }

        try
        {
            var message = EventStreamMessage.FromBuffer(frame, 0, totalLength);
            return new EventStreamFrame(totalLength, headersLength, preludeCrc, messageCrc, message);
        }
        catch (Exception ex) when (ex is EventStreamParseException or EventStreamChecksumFailureException or ArgumentException or IndexOutOfRangeException)
        {
            throw new BedrockEventStreamException($"Unreadable event-stream frame: {ex.Message}", ex);
        }
    }
}
