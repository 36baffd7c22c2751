using System.Net;
using Microsoft.Extensions.AI;
using ReferenceArchitectures.Bedrock;

namespace ReferenceArchitectures.Functions.InferenceApi;

/// <summary>What a caller is told when the model call fails: a status, a problem document, and maybe Retry-After.</summary>
public sealed record HttpFault(int Status, string Title, string Detail, int? RetryAfterSeconds = null)
{
    public ProblemDocument ToProblem(string? requestId) =>
        new() { Title = Title, Status = Status, Detail = Detail, RequestId = requestId };
}

/// <summary>
/// Maps failures of the model call to HTTP answers. The Bedrock client has already retried what can be
/// retried; what arrives here is final. Callers never see exception text from inside the function, only
/// Bedrock's own message where it is about their request.
/// </summary>
public static class BedrockFaultMapping
{
    // After the client's own backoff gave up, a caller should not come straight back.
    public const int ThrottledRetryAfterSeconds = 2;

    /// <summary>
    /// The model's output was invalid (stopReason malformed_model_output or malformed_tool_use); answering 200 would pass
    /// something broken off as an answer.
    /// </summary>
    public static void ThrowIfUnreadable(ChatFinishReason? finishReason)
    {
        if (finishReason == BedrockChatClient.MalformedModelOutput || finishReason == BedrockChatClient.MalformedToolUse)
        {
            throw new UnreadableModelOutputException(finishReason.Value.Value);
        }
    }

    public static HttpFault Map(Exception exception, bool deadlineReached, string modelId)
    {
        ArgumentNullException.ThrowIfNull(exception);

        if (exception is UnreadableModelOutputException unreadable)
        {
            return new HttpFault(502, "Bad Gateway",
                $"The model's output could not be read ({unreadable.StopReason}). Retry, or rephrase the request.");
        }

        if (deadlineReached && exception is OperationCanceledException)
        {
            return new HttpFault(504, "Gateway Timeout",
                "The model did not answer before the function's deadline. Try a shorter prompt or a lower maxTokens.");
        }

        if (exception is TimeoutException)
        {
            return new HttpFault(504, "Gateway Timeout", "The model did not answer in time.");
        }

        if (exception is not BedrockException bedrock)
        {
            return new HttpFault(500, "Internal Server Error",
                "The function failed unexpectedly; the request id leads to the details in its logs.");
        }

        if (bedrock.IsThrottling)
        {
            return new HttpFault(429, "Too Many Requests",
                $"Bedrock is throttling calls to the model; {bedrock.Attempts} attempt(s) were made. Retry later.",
                ThrottledRetryAfterSeconds);
        }

        return bedrock.ErrorCode switch
        {
            var code when code.Contains("Timeout", StringComparison.OrdinalIgnoreCase) =>
                new HttpFault(504, "Gateway Timeout", "The model did not answer in time."),
            "AccessDeniedException" or "ResourceNotFoundException" or "UnrecognizedClientException"
                or "InvalidSignatureException" or "ExpiredTokenException" =>
                new HttpFault(502, "Bad Gateway",
                    $"Bedrock refused the call to model '{modelId}' ({bedrock.ErrorCode}). An operator must enable access to "
                    + "this model in the Bedrock console (Model access) for this account and region, and check that the "
                    + "function's role may invoke it."),
            "ValidationException" =>
                new HttpFault(400, "Bad Request", $"Bedrock rejected the request: {bedrock.ServiceMessage ?? "it gave no reason."}"),
            "ModelNotReadyException" or "ServiceUnavailableException" =>
                new HttpFault(503, "Service Unavailable",
                    $"The model is not available right now ({bedrock.ErrorCode}). Retry later.", ThrottledRetryAfterSeconds),
            _ when bedrock.StatusCode is { } status && (int)status >= 500 || bedrock.StatusCode is null =>
                new HttpFault(502, "Bad Gateway", $"Bedrock failed ({bedrock.ErrorCode}) after {bedrock.Attempts} attempt(s)."),
            _ when bedrock.StatusCode == HttpStatusCode.TooManyRequests =>
                new HttpFault(429, "Too Many Requests", "Bedrock is throttling calls to the model. Retry later.",
                    ThrottledRetryAfterSeconds),
            _ => new HttpFault(502, "Bad Gateway", $"Bedrock refused the request ({bedrock.ErrorCode})."),
        };
    }
}

/// <summary>Bedrock stopped because the model's output was not valid; carries Bedrock's stop reason.</summary>
public sealed class UnreadableModelOutputException(string stopReason)
    : Exception($"Bedrock stopped with '{stopReason}': the model's output was not valid.")
{
    public string StopReason { get; } = stopReason;
}
