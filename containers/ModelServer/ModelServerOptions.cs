using Microsoft.Extensions.Options;

namespace ReferenceArchitectures.ModelServer;

/// <summary>Request limits and batching, bound from the <c>ModelServer</c> configuration section (environment:
/// <c>ModelServer__MaxBatchSize=32</c>). Validated at start: a bad value stops the process naming the setting.
/// Which model runs, and where, is <see cref="ModelOptions"/>.</summary>
public sealed class ModelServerOptions
{
    public const string Section = "ModelServer";

    /// <summary>Most texts in one request (<c>input</c> array, or similarity candidates plus the source).</summary>
    public int MaxInputsPerRequest { get; set; } = 256;

    /// <summary>Longest text in characters. Texts past the model's 256 tokens are truncated anyway; this bounds the
    /// tokenizer's work and the request's memory.</summary>
    public int MaxCharactersPerInput { get; set; } = 16_384;

    /// <summary>Largest request body in bytes (Kestrel's MaxRequestBodySize); larger bodies are answered 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Most texts the model runs at once.</summary>
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>Longest gap between arriving texts while the batcher, after a round, waits for the clients that round
    /// answered to send their next texts (in all it waits no longer than the last run took). A text arriving at an idle
    /// model with no round in this time runs at once.</summary>
    public TimeSpan MaxBatchWait { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Most texts waiting for the model; a request that would pass it is answered 503 at once.</summary>
    public int QueueCapacity { get; set; } = 1024;

    /// <summary>Seconds a client is told to wait (Retry-After) when the queue is full or the model is loading.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Threads one inference uses; default every processor the container has.</summary>
    public int IntraOpThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>Let ONNX Runtime's threads spin after a run instead of freeing the cores for request handling
    /// (see <see cref="Embeddings.EmbeddingEngineOptions.SpinBetweenRuns"/>).</summary>
    public bool SpinBetweenRuns { get; set; }
}

/// <summary>Checks every setting; the host runs it at start (ValidateOnStart).</summary>
public sealed class ModelServerOptionsValidator : IValidateOptions<ModelServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        void Require(bool condition, string setting, string rule)
        {
            if (!condition)
            {
                failures.Add($"{ModelServerOptions.Section}:{setting} {rule}");
            }
        }

        Require(options.MaxInputsPerRequest is >= 1 and <= 100_000, nameof(options.MaxInputsPerRequest), $"must be 1–100000, not {options.MaxInputsPerRequest}.");
        Require(options.MaxCharactersPerInput is >= 1 and <= 10_000_000, nameof(options.MaxCharactersPerInput), $"must be 1–10000000, not {options.MaxCharactersPerInput}.");
        Require(options.MaxRequestBodyBytes is >= 1024 and <= 1L << 30, nameof(options.MaxRequestBodyBytes), $"must be 1024–1073741824, not {options.MaxRequestBodyBytes}.");
        Require(options.MaxBatchSize is >= 1 and <= 1024, nameof(options.MaxBatchSize), $"must be 1–1024, not {options.MaxBatchSize}.");
        Require(options.MaxBatchWait >= TimeSpan.Zero && options.MaxBatchWait <= TimeSpan.FromSeconds(1), nameof(options.MaxBatchWait), $"must be 00:00:00–00:00:01, not {options.MaxBatchWait}.");
        Require(options.QueueCapacity >= options.MaxInputsPerRequest, nameof(options.QueueCapacity),
            $"({options.QueueCapacity}) must be at least MaxInputsPerRequest ({options.MaxInputsPerRequest}), or a largest allowed request could never be queued.");
        Require(options.RetryAfterSeconds is >= 1 and <= 3600, nameof(options.RetryAfterSeconds), $"must be 1–3600, not {options.RetryAfterSeconds}.");
        Require(options.IntraOpThreads is >= 1 and <= 256, nameof(options.IntraOpThreads), $"must be 1–256, not {options.IntraOpThreads}.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
