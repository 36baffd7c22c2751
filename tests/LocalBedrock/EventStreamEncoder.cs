using System.Buffers.Binary;
using System.Text;

namespace ReferenceArchitectures.Testing.LocalBedrock;

/// <summary>Header value types of the event-stream encoding, with their wire codes.</summary>
public enum EventStreamHeaderType : byte
{
    BoolTrue = 0,
    BoolFalse = 1,
    Byte = 2,
    Int16Value = 3,
    Int32Value = 4,
    Int64Value = 5,
    ByteArray = 6,
    StringValue = 7,
    Timestamp = 8,
    Uuid = 9,
}

/// <summary>One header of an event-stream frame. Integer-like values are held in <see cref="Number"/>, byte-like ones in <see cref="Bytes"/>.</summary>
public sealed record EventStreamHeader(string Name, EventStreamHeaderType Type, long Number = 0, byte[]? Bytes = null)
{
    public static EventStreamHeader ForString(string name, string value) => new(name, EventStreamHeaderType.StringValue, Bytes: Encoding.UTF8.GetBytes(value));
    public static EventStreamHeader ForBool(string name, bool value) => new(name, value ? EventStreamHeaderType.BoolTrue : EventStreamHeaderType.BoolFalse);
    public static EventStreamHeader ForByte(string name, sbyte value) => new(name, EventStreamHeaderType.Byte, value);
    public static EventStreamHeader ForInt16(string name, short value) => new(name, EventStreamHeaderType.Int16Value, value);
    public static EventStreamHeader ForInt32(string name, int value) => new(name, EventStreamHeaderType.Int32Value, value);
    public static EventStreamHeader ForInt64(string name, long value) => new(name, EventStreamHeaderType.Int64Value, value);
    public static EventStreamHeader ForByteArray(string name, byte[] value) => new(name, EventStreamHeaderType.ByteArray, Bytes: value);

    /// <summary>Milliseconds since the Unix epoch.</summary>
    public static EventStreamHeader ForTimestamp(string name, long unixMilliseconds) => new(name, EventStreamHeaderType.Timestamp, unixMilliseconds);

    /// <summary>The 16 bytes as they appear on the wire.</summary>
    public static EventStreamHeader ForUuid(string name, byte[] sixteenBytes) => new(name, EventStreamHeaderType.Uuid, Bytes: sixteenBytes);
}

/// <summary>
/// Writes <c>application/vnd.amazon.eventstream</c> frames: total length, headers length, prelude CRC-32, headers,
/// payload, message CRC-32; integers big-endian. Written independently of any AWS SDK so that it can check a decoder.
/// </summary>
public static class EventStreamEncoder
{
    public static byte[] Encode(IReadOnlyList<EventStreamHeader> headers, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var headerBytes = EncodeHeaders(headers);
        var total = 12 + headerBytes.Length + payload.Length + 4;
        var frame = new byte[total];
        BinaryPrimitives.WriteInt32BigEndian(frame, total);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(4), headerBytes.Length);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), Crc32(frame.AsSpan(0, 8)));
        headerBytes.CopyTo(frame, 12);
        payload.CopyTo(frame.AsSpan(12 + headerBytes.Length));
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(total - 4), Crc32(frame.AsSpan(0, total - 4)));
        return frame;
    }

    private static byte[] EncodeHeaders(IReadOnlyList<EventStreamHeader> headers)
    {
        using var buffer = new MemoryStream();
        Span<byte> scratch = stackalloc byte[8];
        foreach (var header in headers)
        {
            var name = Encoding.UTF8.GetBytes(header.Name);
            if (name.Length is 0 or > 255)
            {
                throw new ArgumentException($"Header name \"{header.Name}\" must be 1 to 255 bytes.", nameof(headers));
            }

            buffer.WriteByte((byte)name.Length);
            buffer.Write(name);
            buffer.WriteByte((byte)header.Type);
            switch (header.Type)
            {
                case EventStreamHeaderType.BoolTrue or EventStreamHeaderType.BoolFalse:
                    break;
                case EventStreamHeaderType.Byte:
                    buffer.WriteByte(unchecked((byte)(sbyte)header.Number));
                    break;
                case EventStreamHeaderType.Int16Value:
                    BinaryPrimitives.WriteInt16BigEndian(scratch, checked((short)header.Number));
                    buffer.Write(scratch[..2]);
                    break;
                case EventStreamHeaderType.Int32Value:
                    BinaryPrimitives.WriteInt32BigEndian(scratch, checked((int)header.Number));
                    buffer.Write(scratch[..4]);
                    break;
                case EventStreamHeaderType.Int64Value or EventStreamHeaderType.Timestamp:
                    BinaryPrimitives.WriteInt64BigEndian(scratch, header.Number);
                    buffer.Write(scratch);
                    break;
                case EventStreamHeaderType.ByteArray or EventStreamHeaderType.StringValue:
                    var bytes = header.Bytes ?? [];
                    if (bytes.Length > short.MaxValue)
                    {
                        throw new ArgumentException($"Header \"{header.Name}\" is longer than {short.MaxValue} bytes.", nameof(headers));
                    }

                    BinaryPrimitives.WriteUInt16BigEndian(scratch, (ushort)bytes.Length);
                    buffer.Write(scratch[..2]);
                    buffer.Write(bytes);
                    break;
                case EventStreamHeaderType.Uuid:
                    if (header.Bytes is not { Length: 16 } uuid)
                    {
                        throw new ArgumentException($"UUID header \"{header.Name}\" needs exactly 16 bytes.", nameof(headers));
                    }

                    buffer.Write(uuid);
                    break;
                default:
                    throw new ArgumentException($"Header \"{header.Name}\" has unknown type {header.Type}.", nameof(headers));
            }
        }

        return buffer.ToArray();
    }

    private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(i =>
    {
        var c = (uint)i;
        for (var k = 0; k < 8; k++)
        {
            c = (c >> 1) ^ ((c & 1) * 0xEDB88320u);
        }

        return c;
    }).ToArray();

    /// <summary>CRC-32 as in zlib (reflected polynomial 0xEDB88320).</summary>
    internal static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        foreach (var b in data)
        {
            crc = (crc >> 8) ^ CrcTable[(byte)(crc ^ b)];
        }

        return crc ^ uint.MaxValue;
    }
}
