using System.Net;

namespace ReferenceArchitectures.LambdaRuntime;

/// <summary>The function's configured handler (_HANDLER) names no registered handler.</summary>
public sealed class LambdaHandlerNotFoundException : Exception
{
    public LambdaHandlerNotFoundException()
    {
    }

    public LambdaHandlerNotFoundException(string message)
        : base(message)
    {
    }

    public LambdaHandlerNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The Runtime API answered with an unexpected status or a malformed response.</summary>
public sealed class LambdaRuntimeApiException : Exception
{
    public LambdaRuntimeApiException()
    {
    }

    public LambdaRuntimeApiException(string message)
        : base(message)
    {
    }

    public LambdaRuntimeApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LambdaRuntimeApiException(string message, HttpStatusCode statusCode)
        : base(message)
    {
        StatusCode = statusCode;
    }

    /// <summary>The status the Runtime API answered with, when it answered at all.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>
    /// 500 means the execution environment is in a state it cannot recover from and the runtime should exit
    /// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).
    /// </summary>
    public bool IsFatal => StatusCode == HttpStatusCode.InternalServerError;
}
