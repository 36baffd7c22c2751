namespace ReferenceArchitectures.Embeddings;

/// <summary>
/// The requested execution provider cannot run here: the ONNX Runtime build lacks it, or its libraries or hardware
/// are missing. Callers that may fall back to the CPU catch this one exception; every other load failure is about
/// the model itself.
/// </summary>
public sealed class ExecutionProviderUnavailableException : Exception
{
    public ExecutionProviderUnavailableException()
    {
    }

    public ExecutionProviderUnavailableException(string message)
        : base(message)
    {
    }

    public ExecutionProviderUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ExecutionProviderUnavailableException(ExecutionProvider provider, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Provider = provider;
    }

    /// <summary>The provider that was asked for.</summary>
    public ExecutionProvider Provider { get; }
}
