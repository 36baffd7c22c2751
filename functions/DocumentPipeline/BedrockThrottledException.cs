namespace ReferenceArchitectures.Functions.DocumentPipeline;

/// <summary>
/// Bedrock still throttled after the client's own retries. The runtime reports the exception's type name as the
/// Lambda error type, and the state machine's Analyze state retries exactly this name, later and with jitter
/// (HybridPipelineStack.BedrockThrottledError), before it gives the document up.
/// </summary>
public sealed class BedrockThrottledException(string message, Exception innerException) : Exception(message, innerException);
