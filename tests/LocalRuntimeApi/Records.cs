namespace ReferenceArchitectures.Testing.LocalRuntimeApi;

/// <summary>What the caller of a Lambda function sends, and what Lambda adds to the invocation's headers.</summary>
public sealed record InvocationRequest(ReadOnlyMemory<byte> Payload)
{
    /// <summary>Deadline = now + timeout (the function's configured timeout); 30 s when null.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Lambda-Runtime-Trace-Id; Lambda always sends one, this server only when set.</summary>
    public string? TraceId { get; init; }

    public string? ClientContext { get; init; }

    public string? CognitoIdentity { get; init; }

    public string InvokedFunctionArn { get; init; } = "arn:aws:lambda:us-east-1:123456789012:function:local-function";

    /// <summary>Called on the server's thread for every read of a streamed response body, as it arrives.</summary>
    public Action<ReceivedChunk>? ChunkReceived { get; init; }
}

/// <summary>How an invocation ended, as the function reported it to the Runtime API.</summary>
/// <param name="Body">The response body, or the error document for an error.</param>
/// <param name="Chunks">For streamed responses: the body as the server read it, one entry per read, with arrival times.
/// HTTP does not expose chunk boundaries to the server, so chunks written in quick succession may arrive as one read.</param>
/// <param name="Trailers">Request trailers that followed a streamed body (for example Lambda-Runtime-Function-Error-Type).</param>
public sealed record InvocationResult(
    string RequestId,
    bool IsError,
    string? ErrorType,
    byte[] Body,
    string? ContentType,
    bool Streamed,
    IReadOnlyList<ReceivedChunk> Chunks,
    IReadOnlyDictionary<string, string> Trailers,
    DateTimeOffset CompletedAt)
{
    /// <summary>The headers of the request that delivered the result (response, error, or streamed response).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}

public sealed record ReceivedChunk(DateTimeOffset ReceivedAt, byte[] Data);

public sealed record InitErrorReport(string? ErrorType, string Body);
