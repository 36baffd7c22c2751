using System.Text;
using System.Text.Json;
using IEventStreamHeader = Amazon.Runtime.EventStreams.IEventStreamHeader;
using AwsHeaderType = Amazon.Runtime.EventStreams.EventStreamHeaderType;
using EventStreamHeader = ReferenceArchitectures.Testing.LocalBedrock.EventStreamHeader;
using EventStreamEncoder = ReferenceArchitectures.Testing.LocalBedrock.EventStreamEncoder;
using LocalHeaderType = ReferenceArchitectures.Testing.LocalBedrock.EventStreamHeaderType;

namespace ReferenceArchitectures.Bedrock.Tests;

/// <summary>The client's event-stream decoding and LocalBedrock's encoder against the AWS SDK for Go vectors (TestData/eventstream).</summary>
public sealed class EventStreamVectorTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "TestData", "eventstream");

    public static TheoryData<string> PositiveCases() => Cases("positive");

    public static TheoryData<string> NegativeCases() => Cases("negative");

    [Fact]
    public void The_vectors_are_present()
    {
        Assert.Equal(5, PositiveCases().Count);
        Assert.Equal(4, NegativeCases().Count);
    }

    [Theory]
    [MemberData(nameof(PositiveCases))]
    public async Task Positive_vector_decodes_to_its_expected_fields(string name)
    {
        var expected = Decoded(name);
        using var stream = new MemoryStream(Encoded("positive", name));
        var reader = new EventStreamReader(stream);

        var frame = await reader.ReadAsync(CancellationToken.None);
        var end = await reader.ReadAsync(CancellationToken.None);

        Assert.NotNull(frame);
        Assert.Null(end);
        Assert.Equal(expected.GetProperty("total_length").GetInt32(), frame.TotalLength);
        Assert.Equal(expected.GetProperty("headers_length").GetInt32(), frame.HeadersLength);
        Assert.Equal(unchecked((uint)expected.GetProperty("prelude_crc").GetInt32()), frame.PreludeCrc);
        Assert.Equal(unchecked((uint)expected.GetProperty("message_crc").GetInt32()), frame.MessageCrc);
        Assert.Equal(expected.GetProperty("payload").GetBytesFromBase64(), frame.Message.Payload ?? []);
        var expectedHeaders = expected.GetProperty("headers").EnumerateArray().ToList();
        Assert.Equal(expectedHeaders.Count, frame.Message.Headers.Count);
        foreach (var header in expectedHeaders)
        {
            var actual = frame.Message.Headers[header.GetProperty("name").GetString()!];
            AssertHeaderEquals(header, actual);
        }
    }

    [Theory]
    [MemberData(nameof(NegativeCases))]
    public async Task Negative_vector_is_rejected_naming_the_failed_checksum(string name)
    {
        var expectedError = File.ReadAllText(Path.Combine(Root, "decoded", "negative", name));
        using var stream = new MemoryStream(Encoded("negative", name));
        var reader = new EventStreamReader(stream);

        var error = await Assert.ThrowsAsync<BedrockEventStreamException>(async () => await reader.ReadAsync(CancellationToken.None));

        Assert.Contains(expectedError, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(error.IsRetryable);
    }

    [Theory]
    [MemberData(nameof(PositiveCases))]
    public void Local_encoder_reproduces_the_positive_vector_byte_for_byte(string name)
    {
        var expected = Decoded(name);
        var headers = expected.GetProperty("headers").EnumerateArray().Select(ToLocalHeader).ToList();

        var encoded = EventStreamEncoder.Encode(headers, expected.GetProperty("payload").GetBytesFromBase64());

        Assert.Equal(Encoded("positive", name), encoded);
    }

    [Fact]
    public async Task Consecutive_frames_are_read_one_by_one()
    {
        var first = EventStreamEncoder.Encode([EventStreamHeader.ForString(":event-type", "messageStart")], "{\"role\":\"assistant\"}"u8);
        var second = EventStreamEncoder.Encode([EventStreamHeader.ForString(":event-type", "messageStop")], "{\"stopReason\":\"end_turn\"}"u8);
        using var stream = new MemoryStream([.. first, .. second]);
        var reader = new EventStreamReader(stream);

        var a = await reader.ReadAsync(CancellationToken.None);
        var b = await reader.ReadAsync(CancellationToken.None);
        var end = await reader.ReadAsync(CancellationToken.None);

        Assert.Equal("messageStart", a?.Header(":event-type"));
        Assert.Equal("messageStop", b?.Header(":event-type"));
        Assert.Null(end);
    }

    [Fact]
    public async Task A_stream_that_ends_inside_a_frame_is_reported_as_truncated()
    {
        var frame = EventStreamEncoder.Encode([EventStreamHeader.ForString(":event-type", "messageStart")], "{\"role\":\"assistant\"}"u8);
        using var stream = new MemoryStream(frame[..^5]);
        var reader = new EventStreamReader(stream);

        var error = await Assert.ThrowsAsync<BedrockEventStreamException>(async () => await reader.ReadAsync(CancellationToken.None));

        Assert.Contains("Truncated", error.Message, StringComparison.Ordinal);
    }

    private static void AssertHeaderEquals(JsonElement expected, IEventStreamHeader actual)
    {
        var type = expected.GetProperty("type").GetInt32();
        var value = expected.GetProperty("value");
        Assert.Equal(type, (int)actual.HeaderType);
        switch ((AwsHeaderType)type)
        {
            case AwsHeaderType.BoolTrue:
            case AwsHeaderType.BoolFalse:
                Assert.Equal(value.GetBoolean(), actual.AsBool());
                break;
            case AwsHeaderType.SByte:
                Assert.Equal(value.GetSByte(), actual.AsSByte());
                break;
            case AwsHeaderType.Int16:
                Assert.Equal(value.GetInt16(), actual.AsInt16());
                break;
            case AwsHeaderType.Int32:
                Assert.Equal(value.GetInt32(), actual.AsInt32());
                break;
            case AwsHeaderType.Int64:
                Assert.Equal(value.GetInt64(), actual.AsInt64());
                break;
            case AwsHeaderType.ByteBuf:
                Assert.Equal(value.GetBytesFromBase64(), actual.AsByteBuf());
                break;
            case AwsHeaderType.String:
                Assert.Equal(Encoding.UTF8.GetString(value.GetBytesFromBase64()), actual.AsString());
                break;
            case AwsHeaderType.Timestamp:
                Assert.Equal(value.GetInt64(), new DateTimeOffset(actual.AsTimestamp()).ToUnixTimeMilliseconds());
                break;
            case AwsHeaderType.UUID:
                // AWSSDK.Core builds the Guid with new Guid(byte[]), so Guid's own byte layout gives back the wire bytes.
                Assert.Equal(value.GetBytesFromBase64(), actual.AsUUID().ToByteArray());
                break;
            default:
                Assert.Fail($"Vector uses header type {type}, which this test does not know.");
                break;
        }
    }

    private static EventStreamHeader ToLocalHeader(JsonElement header)
    {
        var name = header.GetProperty("name").GetString()!;
        var value = header.GetProperty("value");
        return (LocalHeaderType)header.GetProperty("type").GetInt32() switch
        {
            LocalHeaderType.BoolTrue or LocalHeaderType.BoolFalse => EventStreamHeader.ForBool(name, value.GetBoolean()),
            LocalHeaderType.Byte => EventStreamHeader.ForByte(name, value.GetSByte()),
            LocalHeaderType.Int16Value => EventStreamHeader.ForInt16(name, value.GetInt16()),
            LocalHeaderType.Int32Value => EventStreamHeader.ForInt32(name, value.GetInt32()),
            LocalHeaderType.Int64Value => EventStreamHeader.ForInt64(name, value.GetInt64()),
            LocalHeaderType.ByteArray => EventStreamHeader.ForByteArray(name, value.GetBytesFromBase64()),
            LocalHeaderType.StringValue => EventStreamHeader.ForString(name, Encoding.UTF8.GetString(value.GetBytesFromBase64())),
            LocalHeaderType.Timestamp => EventStreamHeader.ForTimestamp(name, value.GetInt64()),
            LocalHeaderType.Uuid => EventStreamHeader.ForUuid(name, value.GetBytesFromBase64()),
            var other => throw new InvalidDataException($"Unknown header type {other} in vector."),
        };
    }

    private static TheoryData<string> Cases(string kind) =>
        [.. Directory.EnumerateFiles(Path.Combine(Root, "encoded", kind)).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    private static byte[] Encoded(string kind, string name) => File.ReadAllBytes(Path.Combine(Root, "encoded", kind, name));

    private static JsonElement Decoded(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Root, "decoded", "positive", name)));
        return document.RootElement.Clone();
    }
}
