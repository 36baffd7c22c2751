using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ReferenceArchitectures.Embeddings;

/// <summary>One text's embedding.</summary>
/// <param name="Vector">Unit-length (L2-normalised) sentence embedding.</param>
/// <param name="TokenCount">Tokens the model processed, <c>[CLS]</c> and <c>[SEP]</c> included.</param>
/// <param name="Truncated">True when the text was longer than the token limit and its end was dropped.</param>
public sealed record TextEmbedding(float[] Vector, int TokenCount, bool Truncated);

/// <summary>
/// A sentence-embedding model in one ONNX Runtime session: WordPiece tokenization, the transformer, attention-mask
/// mean pooling (or the <c>[CLS]</c> vector, for bge models) and L2 normalisation, as sentence-transformers does it for
/// all-MiniLM-L6-v2. The model runs on the CPU or, with the CUDA build of ONNX Runtime, on an NVIDIA GPU. Thread-safe: ONNX
/// Runtime allows concurrent <c>Run</c> calls on one session. Batching across callers is the caller's business.
/// </summary>
public sealed class EmbeddingEngine : IDisposable
{
    private const string InputIdsName = "input_ids";
    private const string AttentionMaskName = "attention_mask";
    private const string TokenTypeIdsName = "token_type_ids";
    private const string HiddenStateName = "last_hidden_state";

    /// <summary>ONNX Runtime's name for its CUDA provider, as <c>OrtEnv.GetAvailableProviders</c> lists it.</summary>
    private const string CudaProviderName = "CUDAExecutionProvider";

    private readonly InferenceSession _session;
    private readonly WordPieceTokenizer _tokenizer;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly bool _takesTokenTypes;

    private EmbeddingEngine(InferenceSession session, WordPieceTokenizer tokenizer, string modelName, EmbeddingEngineOptions options)
    {
        _session = session;
        _tokenizer = tokenizer;
        ModelName = modelName;
        MaxTokens = options.MaxTokens;
        IntraOpThreads = options.IntraOpThreads;
        ExecutionProvider = options.ExecutionProvider;
        Pooling = options.Pooling;

        var inputs = session.InputMetadata;
        foreach (var required in (string[])[InputIdsName, AttentionMaskName])
        {
            if (!inputs.TryGetValue(required, out var input) || input.ElementDataType != TensorElementType.Int64)
            {
                throw new InvalidDataException($"The model has no int64 input named {required}; its inputs are {string.Join(", ", inputs.Keys)}.");
            }
        }

        _takesTokenTypes = inputs.ContainsKey(TokenTypeIdsName);
        _inputNames = _takesTokenTypes ? [InputIdsName, AttentionMaskName, TokenTypeIdsName] : [InputIdsName, AttentionMaskName];

        if (!session.OutputMetadata.TryGetValue(HiddenStateName, out var hidden) || hidden.Dimensions.Length != 3 || hidden.Dimensions[2] <= 0)
        {
            throw new InvalidDataException($"The model has no output {HiddenStateName} shaped [batch, tokens, dimensions]; its outputs are {string.Join(", ", session.OutputMetadata.Keys)}.");
        }

        _outputNames = [HiddenStateName];
        Dimensions = hidden.Dimensions[2];
    }

    /// <summary>Name of the model, e.g. <c>all-MiniLM-L6-v2</c>.</summary>
    public string ModelName { get; }

    /// <summary>Length of every embedding vector (384 for all-MiniLM-L6-v2), read from the model.</summary>
    public int Dimensions { get; }

    /// <summary>Token limit per text, special tokens included.</summary>
    public int MaxTokens { get; }

    /// <summary>Threads one inference uses.</summary>
    public int IntraOpThreads { get; }

    /// <summary>Where the model runs.</summary>
    public ExecutionProvider ExecutionProvider { get; }

    /// <summary>How token vectors are pooled.</summary>
    public Pooling Pooling { get; }

    /// <summary>Loads the model into a new ONNX Runtime session.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="InvalidDataException">The model or vocabulary is not a BERT-style sentence encoder, or ONNX
    /// Runtime cannot load the model.</exception>
    /// <exception cref="ExecutionProviderUnavailableException">The execution provider cannot run here.</exception>
    public static async Task<EmbeddingEngine> CreateAsync(EmbeddingModelSource source, EmbeddingEngineOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var artifacts = await source.LoadAsync(cancellationToken);
        var tokenizer = WordPieceTokenizer.FromVocabulary(artifacts.VocabularyText);
        cancellationToken.ThrowIfCancellationRequested();

        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = options.InterOpThreads,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        if (!options.SpinBetweenRuns)
        {
            sessionOptions.AddSessionConfigEntry("session.force_spinning_stop", "1");
        }

        switch (options.ExecutionProvider)
        {
            case ExecutionProvider.Cpu:
                break; // ONNX Runtime always has its CPU provider.
            case ExecutionProvider.Cuda:
                AppendCudaProvider(sessionOptions, options.CudaDeviceId);
                break;
            default:
                throw new ArgumentException($"Execution provider {options.ExecutionProvider} is not supported.", nameof(options));
        }

        var session = OpenSession(artifacts, sessionOptions, options);
        try
        {
            return new EmbeddingEngine(session, tokenizer, artifacts.ModelName, options);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static void AppendCudaProvider(SessionOptions sessionOptions, int deviceId)
    {
        // The CPU build of ONNX Runtime does not list the CUDA provider at all; the CUDA build always lists it, and
        // finds out whether CUDA, cuDNN and a GPU are really there only when the provider is appended.
        if (!OrtEnv.Instance().GetAvailableProviders().Contains(CudaProviderName, StringComparer.Ordinal))
        {
            throw new ExecutionProviderUnavailableException(ExecutionProvider.Cuda,
                "CUDA was requested, but this build has no CUDA execution provider: it uses the CPU build of ONNX Runtime. Build with -p:OnnxRuntimeFlavor=Cuda (containers/ModelServer/Dockerfile.gpu does).");
        }

        try
        {
            sessionOptions.AppendExecutionProvider_CUDA(deviceId);
        }
        catch (OnnxRuntimeException error)
        {
            throw new ExecutionProviderUnavailableException(ExecutionProvider.Cuda,
                $"CUDA was requested, but no GPU is usable: ONNX Runtime could not load its CUDA execution provider, which needs an NVIDIA GPU, its driver, and the CUDA 13 and cuDNN 9 libraries. ONNX Runtime says: {error.Message.TrimEnd('.')}.", error);
        }
    }

    private static InferenceSession OpenSession(EmbeddingModelArtifacts artifacts, SessionOptions sessionOptions, EmbeddingEngineOptions options)
    {
        var where = artifacts.ModelPath is { } modelPath ? $" ({modelPath})" : "";
        try
        {
            return artifacts.ModelPath is { } path
                ? new InferenceSession(path, sessionOptions)
                : new InferenceSession(artifacts.ModelBytes ?? throw new InvalidDataException("The model source returned neither a path nor bytes."), sessionOptions);
        }
        catch (OnnxRuntimeException error) when (options.ExecutionProvider == ExecutionProvider.Cuda && error.Message.Contains("CUDA", StringComparison.OrdinalIgnoreCase))
        {
            // With the provider's libraries present but no device (or a driver too old), the failure surfaces here.
            throw new ExecutionProviderUnavailableException(ExecutionProvider.Cuda,
                $"CUDA was requested, but no GPU is usable: ONNX Runtime could not start a session on CUDA device {options.CudaDeviceId}. ONNX Runtime says: {error.Message.TrimEnd('.')}.", error);
        }
        catch (OnnxRuntimeException error)
        {
            throw new InvalidDataException($"ONNX Runtime cannot load the model {artifacts.ModelName}{where}; the file is damaged or not an ONNX model. ONNX Runtime says: {error.Message.TrimEnd('.')}.", error);
        }
    }

    /// <summary>Tokenizes one text for <see cref="Embed(IReadOnlyList{TokenizedText}, CancellationToken)"/>.</summary>
    public TokenizedText Tokenize(string text) => _tokenizer.Tokenize(text, MaxTokens);

    /// <summary>Embeds texts as one batch.</summary>
    public IReadOnlyList<TextEmbedding> Embed(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var tokenized = new TokenizedText[texts.Count];
        for (var i = 0; i < tokenized.Length; i++)
        {
            tokenized[i] = Tokenize(texts[i]);
        }

        return Embed(tokenized, cancellationToken);
    }

    /// <summary>
    /// Runs the model once over the batch, padded to its longest text. Callers that batch many texts should group
    /// them by <see cref="TokenizedText.Length"/> first: padding costs as much as real tokens.
    /// </summary>
    public IReadOnlyList<TextEmbedding> Embed(IReadOnlyList<TokenizedText> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return [];
        }

        var tokens = 0;
        foreach (var text in batch)
        {
            if (text.Length > MaxTokens || text.Length < 2)
            {
                throw new ArgumentException($"A tokenized text has {text.Length} tokens; the engine takes 2–{MaxTokens}.", nameof(batch));
            }

            tokens = Math.Max(tokens, text.Length);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var rows = batch.Count;
        var inputIds = new long[rows * tokens];
        var attentionMask = new long[rows * tokens];
        for (var row = 0; row < rows; row++)
        {
            var ids = batch[row].Ids;
            var offset = row * tokens;
            for (var t = 0; t < ids.Length; t++)
            {
                inputIds[offset + t] = ids[t];
                attentionMask[offset + t] = 1;
            }

            if (_tokenizer.PaddingId != 0)
            {
                Array.Fill(inputIds, _tokenizer.PaddingId, offset + ids.Length, tokens - ids.Length);
            }
        }

        long[] shape = [rows, tokens];
        using var inputIdsValue = OrtValue.CreateTensorValueFromMemory(inputIds, shape);
        using var attentionMaskValue = OrtValue.CreateTensorValueFromMemory(attentionMask, shape);
        using var tokenTypesValue = _takesTokenTypes ? OrtValue.CreateTensorValueFromMemory(new long[rows * tokens], shape) : null;
        OrtValue[] inputs = tokenTypesValue is null ? [inputIdsValue, attentionMaskValue] : [inputIdsValue, attentionMaskValue, tokenTypesValue];

        using var runOptions = new RunOptions();
        using var cancellation = cancellationToken.Register(static state => ((RunOptions)state!).Terminate = true, runOptions);
        using var outputs = _session.Run(runOptions, _inputNames, inputs, _outputNames);
        var hidden = outputs[0].GetTensorDataAsSpan<float>();

        var results = new TextEmbedding[rows];
        for (var row = 0; row < rows; row++)
        {
            var length = batch[row].Length;
            var vector = new float[Dimensions];
            if (Pooling == Pooling.Cls)
            {
                hidden.Slice(row * tokens * Dimensions, Dimensions).CopyTo(vector);
            }
            else
            {
                // Mean pooling over the positions the attention mask marks as real: tokens 0..length-1 of this row.
                for (var t = 0; t < length; t++)
                {
                    TensorPrimitives.Add(vector, hidden.Slice(((row * tokens) + t) * Dimensions, Dimensions), vector);
                }

                TensorPrimitives.Divide(vector, length, vector);
            }

            var norm = TensorPrimitives.Norm(vector);
            // sentence-transformers' Normalize layer divides by max(norm, 1e-12).
            TensorPrimitives.Divide(vector, MathF.Max(norm, 1e-12f), vector);
            results[row] = new TextEmbedding(vector, length, batch[row].Truncated);
        }

        return results;
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
