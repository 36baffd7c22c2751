using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ReferenceArchitectures.Documents;

/// <summary>
/// Embeds chunks with any embedding generator (the heavy path passes the local all-MiniLM-L6-v2 engine) and writes one
/// JSON line per chunk: <c>{"chunk":0,"start":0,"length":812,"embedding":[0.0123,...]}</c>.
/// </summary>
public static class ChunkEmbeddingWriter
{
    /// <summary>Chunks sent to the generator in one call: large enough to batch well, small enough to stream out steadily.</summary>
    public const int DefaultBatchSize = 32;

    private static readonly byte[] LineFeed = "\n"u8.ToArray();

    /// <returns>How many lines were written.</returns>
    public static async Task<int> WriteJsonLinesAsync(
        IEmbeddingGenerator<string, Embedding<float>> generator,
        IReadOnlyList<TextChunk> chunks,
        Stream output,
        int batchSize = DefaultBatchSize,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);

        var written = 0;
        await using var writer = new Utf8JsonWriter(output);
        foreach (var batch in chunks.Chunk(batchSize))
        {
            var embeddings = await generator.GenerateAsync(batch.Select(c => c.Text), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (embeddings.Count != batch.Length)
            {
                throw new InvalidOperationException($"The embedding generator returned {embeddings.Count} embeddings for {batch.Length} chunks.");
            }

            for (var i = 0; i < batch.Length; i++)
            {
                WriteLine(writer, batch[i], embeddings[i].Vector.Span);
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                await output.WriteAsync(LineFeed, cancellationToken).ConfigureAwait(false);
                writer.Reset();
                written++;
            }
        }

        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return written;
    }

    private static void WriteLine(Utf8JsonWriter writer, TextChunk chunk, ReadOnlySpan<float> vector)
    {
        writer.WriteStartObject();
        writer.WriteNumber("chunk", chunk.Index);
        writer.WriteNumber("start", chunk.Start);
        writer.WriteNumber("length", chunk.Length);
        writer.WriteStartArray("embedding");
        foreach (var value in vector)
        {
            writer.WriteNumberValue(value);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
