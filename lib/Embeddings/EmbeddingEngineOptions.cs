namespace ReferenceArchitectures.Embeddings;

/// <summary>Hardware an <see cref="EmbeddingEngine"/> runs the model on.</summary>
public enum ExecutionProvider
{
    /// <summary>ONNX Runtime's default CPU provider.</summary>
    Cpu,

    /// <summary>NVIDIA GPUs through ONNX Runtime's CUDA provider. Needs the CUDA build of ONNX Runtime
    /// (<c>-p:OnnxRuntimeFlavor=Cuda</c>) and, at run time, CUDA 13 and cuDNN 9 libraries and a GPU.</summary>
    Cuda,
}

/// <summary>How token vectors become one sentence vector; the model card says which its training used.</summary>
public enum Pooling
{
    /// <summary>Mean over the real (unpadded) tokens: all-MiniLM-L6-v2, e5 models.</summary>
    Mean,

    /// <summary>The <c>[CLS]</c> token's vector: bge models.</summary>
    Cls,
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

    /// <summary>
    /// Whether ONNX Runtime's intra-op threads go on spinning after a run, waiting for the next one. Off by default
    /// (<c>session.force_spinning_stop</c>): between runs a server parses requests and writes answers on the same cores,
    /// and a spinning thread takes one of them. A CPU profile of the model server under load had ONNX Runtime's spin
    /// loop as its largest single item. Within a run the threads still spin between operators.
    /// </summary>
    public bool SpinBetweenRuns { get; set; }

    /// <summary>Longest input in tokens, <c>[CLS]</c> and <c>[SEP]</c> included; longer inputs are truncated and
    /// flagged. At most the model's position-embedding limit.</summary>
    public int MaxTokens { get; set; } = MiniLmMaxTokens;

    /// <summary>Where the model runs.</summary>
    public ExecutionProvider ExecutionProvider { get; set; } = ExecutionProvider.Cpu;

    /// <summary>The GPU to use with <see cref="ExecutionProvider.Cuda"/>, as CUDA numbers the visible devices.</summary>
    public int CudaDeviceId { get; set; }

    /// <summary>How token vectors are pooled into the sentence vector.</summary>
    public Pooling Pooling { get; set; } = Pooling.Mean;

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
            throw new ArgumentException($"EmbeddingEngineOptions.ExecutionProvider {ExecutionProvider} is not supported; use one of {string.Join(", ", Enum.GetNames<ExecutionProvider>())}.", nameof(ExecutionProvider));
        }

        if (CudaDeviceId is < 0 or > 63)
        {
            throw new ArgumentException($"EmbeddingEngineOptions.CudaDeviceId must be 0–63, not {CudaDeviceId}.", nameof(CudaDeviceId));
        }

        if (!Enum.IsDefined(Pooling))
        {
            throw new ArgumentException($"EmbeddingEngineOptions.Pooling {Pooling} is not supported; use one of {string.Join(", ", Enum.GetNames<Pooling>())}.", nameof(Pooling));
        }
    }
}
