using System.Net;

namespace ReferenceArchitectures.Bedrock;

/// <summary>A Bedrock call failed: an HTTP error, an exception inside a response stream, or a client-side failure after retries.</summary>
public class BedrockException : Exception
{
    public BedrockException()
        : this("Bedrock call failed.", errorCode: "Unknown", statusCode: null, attempts: 0)
    {
    }

    public BedrockException(string message)
        : this(message, errorCode: "Unknown", statusCode: null, attempts: 0)
    {
    }

    public BedrockException(string message, Exception innerException)
        : this(message, errorCode: "Unknown", statusCode: null, attempts: 0, innerException)
    {
    }

    public BedrockException(string message, string errorCode, HttpStatusCode? statusCode, int attempts, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
        StatusCode = statusCode;
        Attempts = attempts;
    }

    /// <summary>HTTP status of the failed response; null for exceptions inside a stream and client-side failures.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Bedrock's error type in upper camel case, e.g. <c>ThrottlingException</c>, <c>AccessDeniedException</c>.</summary>
    public string ErrorCode { get; }

    /// <summary>
    /// Bedrock's own message from the error body or exception frame, without anything this client adds; null when
    /// the failure is client-side or Bedrock gave none. Safe to show a caller for a rejected request.
    /// </summary>
    public string? ServiceMessage { get; init; }

    /// <summary>How many attempts were made before this was thrown.</summary>
    public int Attempts { get; }

    /// <summary>The service asked the caller to slow down.</summary>
    public bool IsThrottling => ErrorCodes.IsThrottling(ErrorCode);

    /// <summary>The same request may succeed if sent again later.</summary>
    public virtual bool IsRetryable => ErrorCodes.IsRetryable(ErrorCode, StatusCode);
}

/// <summary>
/// One HTTP attempt exceeded <see cref="BedrockClientOptions.AttemptTimeout"/> on every attempt allowed.
/// Distinct from caller cancellation, which surfaces as <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class BedrockTimeoutException : BedrockException
{
    /// <summary>Error code carried by client-side attempt timeouts.</summary>
    public const string AttemptTimeoutCode = "AttemptTimeout";

    public BedrockTimeoutException()
        : this("A Bedrock call timed out.", TimeSpan.Zero, 0)
    {
    }

    public BedrockTimeoutException(string message)
        : this(message, TimeSpan.Zero, 0)
    {
    }

    public BedrockTimeoutException(string message, Exception innerException)
        : base(message, AttemptTimeoutCode, null, 0, innerException)
    {
    }

    public BedrockTimeoutException(string message, TimeSpan attemptTimeout, int attempts)
        : base(message, AttemptTimeoutCode, null, attempts, new TimeoutException($"No response within {attemptTimeout}."))
    {
        AttemptTimeout = attemptTimeout;
    }

    /// <summary>The per-attempt limit that was exceeded.</summary>
    public TimeSpan AttemptTimeout { get; }

    public override bool IsRetryable => true;
}

/// <summary>A response stream could not be decoded: a checksum mismatch, a truncated frame or an unreadable event.</summary>
public sealed class BedrockEventStreamException : BedrockException
{
    /// <summary>Error code carried by decoding failures.</summary>
    public const string InvalidEventStreamCode = "InvalidEventStream";

    public BedrockEventStreamException()
        : this("The event stream could not be decoded.")
    {
    }

    public BedrockEventStreamException(string message)
        : base(message, InvalidEventStreamCode, null, 0)
    {
    }

    public BedrockEventStreamException(string message, Exception innerException)
        : base(message, InvalidEventStreamCode, null, 0, innerException)
    {
    }

    public override bool IsRetryable => false;
}

/// <summary>Error codes Bedrock Runtime returns and how the client treats them.</summary>
/// <remarks>Codes and statuses from the Bedrock Runtime API reference, "Converse" and "ConverseStream", section Errors.</remarks>
public static class ErrorCodes
{
    public const string Throttling = "ThrottlingException";
    public const string AccessDenied = "AccessDeniedException";
    public const string Validation = "ValidationException";
    public const string ModelTimeout = "ModelTimeoutException";
    public const string ResourceNotFound = "ResourceNotFoundException";
    public const string ServiceUnavailable = "ServiceUnavailableException";
    public const string InternalServer = "InternalServerException";
    public const string ModelNotReady = "ModelNotReadyException";
    public const string ModelError = "ModelErrorException";
    public const string ModelStreamError = "ModelStreamErrorException";

    /// <summary>Client side: the connection failed or broke off.</summary>
    public const string NetworkFailure = "NetworkFailure";

    /// <summary>Client side: a success response whose body could not be read.</summary>
    public const string InvalidResponse = "InvalidResponse";

    internal static bool IsThrottling(string code) =>
        code is Throttling or "TooManyRequestsException";

    internal static bool IsRetryable(string code, HttpStatusCode? status) =>
        code switch
        {
            Throttling or ServiceUnavailable or InternalServer or ModelNotReady or ModelStreamError or NetworkFailure or "TooManyRequestsException" => true,
            Validation or AccessDenied or ResourceNotFound or ModelTimeout or ModelError or InvalidResponse => false,
            _ => status is HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
                or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout,
        };

    /// <summary>The code to use when a response names none.</summary>
    internal static string FromStatus(HttpStatusCode status) =>
        status switch
        {
            HttpStatusCode.BadRequest => Validation,
            HttpStatusCode.Forbidden => AccessDenied,
            HttpStatusCode.NotFound => ResourceNotFound,
            HttpStatusCode.RequestTimeout => ModelTimeout,
            HttpStatusCode.FailedDependency => ModelError,
            HttpStatusCode.TooManyRequests => Throttling,
            HttpStatusCode.InternalServerError => InternalServer,
            HttpStatusCode.ServiceUnavailable => ServiceUnavailable,
            _ => $"Http{(int)status}",
        };

    /// <summary>Stream exceptions arrive in lower camel case (<c>throttlingException</c>); callers see the upper camel case of HTTP errors.</summary>
    internal static string Normalise(string code)
    {
        var colon = code.IndexOf(':', StringComparison.Ordinal);
        var name = (colon >= 0 ? code[..colon] : code).Trim();
        var hash = name.LastIndexOf('#');
        if (hash >= 0)
        {
            name = name[(hash + 1)..];
        }

        return name.Length == 0 ? name : string.Concat(char.ToUpperInvariant(name[0]).ToString(), name.AsSpan(1));
    }
}
