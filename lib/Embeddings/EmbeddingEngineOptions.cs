namespace ReferenceArchitectures.Embeddings;

/// <summary>Hardware an <see cref="EmbeddingEngine"/> runs the model on.</summary>
public enum ExecutionProvider
{
    /// <summary>ONNX Runtime's default CPU provider.</summary>
    Cpu,
}

/// <summary>Settings for <see cref="EmbeddingEngine"/>. Call <see cref="Validate"/> at start-up.</summary>
public sealed class EmbeddingEngineOptions
{
    /// <summary>all-MiniLM-L6-v2 was trained with, and sentence-transformers truncates at, 256 tokens.</summary>
    public const int MiniLmMaxTokens = 256;

    /// <summary>Threads one inference uses. Default: every processor the process may use.</summary>
    public int IntraOpThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>Threads for running independent graph branches in parallel; this model is a chain, so 1.</summary>
    public int InterOpThreads { get; set; } = 1;

    /// <summary>Longest input in tokens, <c>[CLS]</c> and <c>[SEP]</c> included; longer inputs are truncated and
    /// flagged. At most the model's position-embedding limit.</summary>
    public int MaxTokens { get; set; } = MiniLmMaxTokens;

    /// <summary>Where the model runs.</summary>
    public ExecutionProvider ExecutionProvider { get; set; } = ExecutionProvider.Cpu;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (IntraOpThreads is < 1 or > 256)
        {
            throw new ArgumentException($"EmbeddingEngineOptions.IntraOpThreads must be 1–256, not {IntraOpThreads}.", nameof(IntraOpThreads));
        }

        if (InterOpThreads is < 1 or > 256)
        {
            throw new ArgumentException($"EmbeddingEngineOptions.InterOpThreads must be 1–256, not {InterOpThreads}.", nameof(InterOpThreads));
        }

        if (MaxTokens is < 3 or > 512)
        {
            throw new ArgumentException($"EmbeddingEngineOptions.MaxTokens must be 3–512 (BERT models have at most 512 positions), not {MaxTokens}.", nameof(MaxTokens));
        }

        if (!Enum.IsDefined(ExecutionProvider))
        {
            throw new ArgumentException($"EmbeddingEngineOptions.ExecutionProvider {ExecutionProvider} is not supported; use {ExecutionProvider.Cpu}.", nameof(ExecutionProvider));
        }
    }
}
