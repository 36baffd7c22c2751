using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

using ReferenceArchitectures.Testing.DocumentCorpus;

namespace ReferenceArchitectures.Documents.Tests;

public class ChunkEmbeddingWriterTests
{
    [Fact]
    public async Task Every_chunk_becomes_one_json_line_with_its_place_and_its_vector()
    {
        var chunks = TextChunker.Split(Prose.Text(5_000), new ChunkingOptions(1_000, 100));
        var generator = new LengthEmbeddingGenerator();
        using var output = new MemoryStream();

        var written = await ChunkEmbeddingWriter.WriteJsonLinesAsync(generator, chunks, output, batchSize: 2, CancellationToken.None);

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(chunks.Count, written);
        Assert.Equal(chunks.Count, lines.Length);
        for (var i = 0; i < chunks.Count; i++)
        {
            using var line = JsonDocument.Parse(lines[i]);
            var root = line.RootElement;
            Assert.Equal(["chunk", "start", "length", "embedding"], root.EnumerateObject().Select(p => p.Name));
            Assert.Equal(i, root.GetProperty("chunk").GetInt32());
            Assert.Equal(chunks[i].Start, root.GetProperty("start").GetInt32());
            Assert.Equal(chunks[i].Length, root.GetProperty("length").GetInt32());
            Assert.Equal([chunks[i].Length, 0.5f], root.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()));
        }

        Assert.Equal((chunks.Count + 1) / 2, generator.Calls);
    }

    [Fact]
    public async Task A_generator_that_returns_too_few_vectors_is_reported()
    {
        var chunks = TextChunker.Split(Prose.Text(3_000), new ChunkingOptions(500));
        using var output = new MemoryStream();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ChunkEmbeddingWriter.WriteJsonLinesAsync(new LengthEmbeddingGenerator(dropLast: true), chunks, output, cancellationToken: CancellationToken.None));

        Assert.Contains("embeddings for", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Embeds a text as [its length, 0.5], so that each line can be matched to its chunk.</summary>
    internal sealed class LengthEmbeddingGenerator(bool dropLast = false) : IEmbeddingGenerator<string, Embedding<float>>
    {
        private int _calls;

        public int Calls => _calls;

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            var embeddings = values.Select(v => new Embedding<float>(new float[] { v.Length, 0.5f })).ToList();
            if (dropLast)
            {
                embeddings.RemoveAt(embeddings.Count - 1);
            }

            return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(embeddings));
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
