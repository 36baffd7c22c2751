using Microsoft.Extensions.AI;

namespace ReferenceArchitectures.Embeddings;

/// <summary>
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over an <see cref="EmbeddingEngine"/>, so that code which
/// needs embeddings depends on Microsoft.Extensions.AI only. Inputs are embedded in batches of
/// <see cref="MaxBatchSize"/>, grouped by token length to limit padding; results come back in input order. Each
/// embedding of a truncated input carries <c>AdditionalProperties["truncated"] = true</c>.
/// </summary>
public sealed class OnnxEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>Key of the per-embedding flag set when an input was longer than the token limit.</summary>
    public const string TruncatedProperty = "truncated";

    private readonly EmbeddingEngine _engine;
    private readonly bool _ownsEngine;

    /// <summary>Wraps <paramref name="engine"/>; disposing the generator disposes the engine only when
    /// <paramref name="ownsEngine"/> is true.</summary>
    public OnnxEmbeddingGenerator(EmbeddingEngine engine, int maxBatchSize = 32, bool ownsEngine = false)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        _engine = engine;
        _ownsEngine = ownsEngine;
        MaxBatchSize = maxBatchSize;
        Metadata = new EmbeddingGeneratorMetadata("onnxruntime", defaultModelId: engine.ModelName, defaultModelDimensions: engine.Dimensions);
    }

    /// <summary>Most inputs per model run.</summary>
    public int MaxBatchSize { get; }

    /// <summary>Provider <c>onnxruntime</c>, the model name and its dimensions.</summary>
    public EmbeddingGeneratorMetadata Metadata { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A requested model id or dimension count is not this model's.</exception>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.Dimensions is { } dimensions && dimensions != _engine.Dimensions)
        {
            throw new ArgumentException($"{_engine.ModelName} produces {_engine.Dimensions} dimensions, not {dimensions}.", nameof(options));
        }

        if (options?.ModelId is { } modelId && !string.Equals(modelId, _engine.ModelName, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"This generator serves {_engine.ModelName}, not {modelId}.", nameof(options));
        }

        var tokenized = values.Select(_engine.Tokenize).ToArray();
        var order = Enumerable.Range(0, tokenized.Length).OrderBy(i => tokenized[i].Length).ToArray();
        var results = new TextEmbedding[tokenized.Length];
        foreach (var chunk in order.Chunk(MaxBatchSize))
        {
            var embedded = _engine.Embed(chunk.Select(i => tokenized[i]).ToArray(), cancellationToken);
            for (var j = 0; j < chunk.Length; j++)
            {
                results[chunk[j]] = embedded[j];
            }
        }

        var createdAt = DateTimeOffset.UtcNow;
        var embeddings = new GeneratedEmbeddings<Embedding<float>>(results.Length);
        long tokens = 0;
        foreach (var result in results)
        {
            tokens += result.TokenCount;
            var embedding = new Embedding<float>(result.Vector) { ModelId = _engine.ModelName, CreatedAt = createdAt };
            if (result.Truncated)
            {
                embedding.AdditionalProperties = new() { [TruncatedProperty] = true };
            }

            embeddings.Add(embedding);
        }

        embeddings.Usage = new UsageDetails { InputTokenCount = tokens, TotalTokenCount = tokens };
        return Task.FromResult(embeddings);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? Metadata
            : serviceType == typeof(EmbeddingEngine) ? _engine
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsEngine)
        {
            _engine.Dispose();
        }
    }
}
