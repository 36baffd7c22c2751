using Microsoft.Extensions.Options;
using ReferenceArchitectures.Embeddings;

namespace ReferenceArchitectures.ModelServer;

/// <summary>Where the model comes from.</summary>
public enum ModelSourceKind
{
    /// <summary>all-MiniLM-L6-v2, built into the server.</summary>
    Embedded,

    /// <summary><c>model.onnx</c> and <c>vocab.txt</c> under an S3 prefix, downloaded at start.</summary>
    S3,

    /// <summary>A model file and a vocabulary file already on disk (local runs, or a volume the platform mounts).</summary>
    Files,
}

/// <summary>
/// Which model the server runs and on what hardware, bound from the <c>Model</c> configuration section. Pattern 3's
/// stack sets <c>Model__Source</c>, <c>Model__S3Uri</c>, <c>Model__ExecutionProvider</c> and
/// <c>Model__AllowCpuFallback</c> in the task's environment. Validated at start: a bad value stops the process
/// naming the setting.
/// </summary>
public sealed class ModelOptions
{
    public const string Section = "Model";

    /// <summary>all-MiniLM-L6-v2's limit, and the default for every model.</summary>
    public const int DefaultMaxTokens = EmbeddingEngineOptions.MiniLmMaxTokens;

    /// <summary><c>embedded</c> (default), <c>s3</c> or <c>files</c>.</summary>
    public ModelSourceKind Source { get; set; } = ModelSourceKind.Embedded;

    /// <summary>With <c>s3</c>: the prefix that holds <c>model.onnx</c> and <c>vocab.txt</c>, e.g.
    /// <c>s3://my-models/bge-large-en-v1.5/</c>.</summary>
    public string? S3Uri { get; set; }

    /// <summary>With <c>s3</c>: where the files are downloaded to; must be writable (the task mounts a volume there).</summary>
    public string CacheDirectory { get; set; } = "/tmp/models";

    /// <summary>With <c>files</c>: the ONNX model.</summary>
    public string? ModelPath { get; set; }

    /// <summary>With <c>files</c>: the BERT WordPiece <c>vocab.txt</c> that goes with the model.</summary>
    public string? VocabularyPath { get; set; }

    /// <summary>Name the model is served under (the <c>model</c> field of requests and answers). Default: the S3
    /// prefix's last segment, or the model file's name. The embedded model is always <c>all-MiniLM-L6-v2</c>.</summary>
    public string? Name { get; set; }

    /// <summary><c>cpu</c> (default) or <c>cuda</c>.</summary>
    public ExecutionProvider ExecutionProvider { get; set; } = ExecutionProvider.Cpu;

    /// <summary>With <c>cuda</c>: run on the CPU, with a warning, when no GPU is usable. Default false: the server
    /// stops instead, so that a GPU fleet never serves slowly without anyone noticing.</summary>
    public bool AllowCpuFallback { get; set; }

    /// <summary>With <c>cuda</c>: the device number among the GPUs the container sees.</summary>
    public int CudaDeviceId { get; set; }

    /// <summary>Longest input in tokens, special tokens included; longer inputs are truncated and flagged. BERT-style
    /// models have at most 512 positions (bge-large and e5-large: 512).</summary>
    public int MaxTokens { get; set; } = DefaultMaxTokens;

    /// <summary><c>mean</c> (all-MiniLM-L6-v2, e5) or <c>cls</c> (bge): as the model was trained.</summary>
    public Pooling Pooling { get; set; } = Pooling.Mean;

    /// <summary>The S3 prefix, parsed; only valid once the options have been validated.</summary>
    public S3ModelLocation S3Location => S3ModelLocation.Parse(S3Uri ?? throw new InvalidOperationException("Model:S3Uri is not set."));

    /// <summary>The name the model is served under.</summary>
    public string ServedName => Source switch
    {
        ModelSourceKind.Embedded => EmbeddingModelSource.AllMiniLmL6V2.ModelName,
        _ when !string.IsNullOrWhiteSpace(Name) => Name,
        ModelSourceKind.S3 => S3Location.LastSegment,
        _ => Path.GetFileNameWithoutExtension(ModelPath) ?? "model",
    };

    /// <summary>Where the model comes from, for log lines.</summary>
    public string Origin => Source switch
    {
        ModelSourceKind.S3 => S3Uri ?? "",
        ModelSourceKind.Files => ModelPath ?? "",
        _ => "built-in",
    };
}

/// <summary>Checks every setting of <see cref="ModelOptions"/>; the host runs it at start (ValidateOnStart).</summary>
public sealed class ModelOptionsValidator : IValidateOptions<ModelOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        void Require(bool condition, string setting, string rule)
        {
            if (!condition)
            {
                failures.Add($"{ModelOptions.Section}:{setting} {rule}");
            }
        }

        Require(Enum.IsDefined(options.Source), nameof(options.Source), "must be embedded, s3 or files.");
        Require(Enum.IsDefined(options.ExecutionProvider), nameof(options.ExecutionProvider), "must be cpu or cuda.");
        Require(Enum.IsDefined(options.Pooling), nameof(options.Pooling), "must be mean or cls.");
        Require(options.MaxTokens is >= 3 and <= 512, nameof(options.MaxTokens), $"must be 3–512 (BERT-style models have at most 512 positions), not {options.MaxTokens}.");
        Require(options.CudaDeviceId is >= 0 and <= 63, nameof(options.CudaDeviceId), $"must be 0–63, not {options.CudaDeviceId}.");

        if (options.Source == ModelSourceKind.S3)
        {
            Require(!string.IsNullOrWhiteSpace(options.S3Uri), nameof(options.S3Uri), "is required when Model:Source is s3 (e.g. s3://my-models/bge-large-en-v1.5/).");
            if (!string.IsNullOrWhiteSpace(options.S3Uri) && !S3ModelLocation.TryParse(options.S3Uri, out _, out var problem))
            {
                failures.Add($"{ModelOptions.Section}:{nameof(options.S3Uri)} {problem}");
            }

            Require(Path.IsPathFullyQualified(options.CacheDirectory), nameof(options.CacheDirectory), $"must be an absolute path, not '{options.CacheDirectory}'.");
        }
        else
        {
            // A prefix that is set but not used is almost always a forgotten Model:Source=s3; serving the built-in
            // model instead would go unnoticed.
            Require(string.IsNullOrWhiteSpace(options.S3Uri), nameof(options.S3Uri), $"is set, but Model:Source is {options.Source.ToString().ToLowerInvariant()}; set Model:Source=s3 to serve the model from S3.");
        }

        if (options.Source == ModelSourceKind.Files)
        {
            Require(!string.IsNullOrWhiteSpace(options.ModelPath), nameof(options.ModelPath), "is required when Model:Source is files.");
            Require(!string.IsNullOrWhiteSpace(options.VocabularyPath), nameof(options.VocabularyPath), "is required when Model:Source is files.");
        }
        else
        {
            Require(options.ModelPath is null && options.VocabularyPath is null, nameof(options.ModelPath), "and Model:VocabularyPath apply only when Model:Source is files.");
        }

        Require(options.Source != ModelSourceKind.Embedded || options.Name is null, nameof(options.Name),
            "cannot rename the built-in model; it is served as all-MiniLM-L6-v2.");
        Require(options.Source != ModelSourceKind.Embedded || options.Pooling == Pooling.Mean, nameof(options.Pooling),
            "must be mean for the built-in all-MiniLM-L6-v2, which was trained with mean pooling.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
