using System.Globalization;
using ReferenceArchitectures.Embeddings;
using ReferenceArchitectures.Embeddings.Api;

namespace ReferenceArchitectures.Functions.EmbeddingsApi;

/// <summary>
/// The function's configuration, read once during init from the environment the stack sets. A bad value stops init
/// with a message naming the variable (Lambda reports it as an init error).
/// </summary>
public sealed record EmbeddingsFunctionSettings
{
    /// <summary>The model server's defaults (containers/ModelServer/ModelServerOptions.cs), so both hosts refuse alike.</summary>
    public const int DefaultMaxInputsPerRequest = 256;

    public const int DefaultMaxCharactersPerInput = 16_384;

    /// <summary>Texts per model run: a request's texts run in batches of this size, shortest first.</summary>
    public const int BatchSize = 32;

    public required int IntraOpThreads { get; init; }

    public InputLimits Limits { get; init; } = new(DefaultMaxInputsPerRequest, DefaultMaxCharactersPerInput);

    public EmbeddingEngineOptions EngineOptions() => new() { IntraOpThreads = IntraOpThreads, InterOpThreads = 1 };

    /// <exception cref="InvalidOperationException">A variable is missing or out of range; the message names it.</exception>
    public static EmbeddingsFunctionSettings FromEnvironment(Func<string, string?> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return new EmbeddingsFunctionSettings
        {
            IntraOpThreads = Number(read, EmbeddingsFunctionContract.IntraOpThreadsVariable, null, 1, 6),
            Limits = new InputLimits(
                Number(read, EmbeddingsFunctionContract.MaxInputsPerRequestVariable, DefaultMaxInputsPerRequest, 1, 2048),
                Number(read, EmbeddingsFunctionContract.MaxCharactersPerInputVariable, DefaultMaxCharactersPerInput, 1, 1_000_000)),
        };
    }

    private static int Number(Func<string, string?> read, string name, int? fallback, int min, int max)
    {
        var text = read(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback ?? throw new InvalidOperationException($"{name} is required: a whole number from {min} to {max}.");
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new InvalidOperationException($"{name} must be a whole number from {min} to {max}, not '{text}'.");
    }
}
