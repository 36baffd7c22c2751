using System.Collections.Concurrent;

namespace ReferenceArchitectures.Testing.LocalAws;

/// <summary>The services the local endpoint speaks.</summary>
public enum LocalAwsService
{
    S3,
    DynamoDb,
    Sqs,
}

/// <summary>A failure the local endpoint answers with instead of doing the operation, in the service's own error format.</summary>
public enum LocalFault
{
    /// <summary>S3 503 SlowDown, DynamoDB 400 ProvisionedThroughputExceededException, SQS 400 ThrottlingException.</summary>
    Throttling,

    /// <summary>S3 500 InternalError, DynamoDB 500 InternalServerError, SQS 500 InternalFailure.</summary>
    InternalError,
}

/// <summary>One request as the local endpoint saw it, after it answered.</summary>
public sealed record LocalAwsRequest(LocalAwsService Service, string Operation, int StatusCode, string? ErrorCode)
{
    /// <summary>The access key id the request was signed with; null when it was not signed.</summary>
    public string? AccessKeyId { get; init; }

    /// <summary>What IAM would authorize for the request (empty when the endpoint could not read it).</summary>
    public IReadOnlyList<IamAuthorization> Authorizations { get; init; } = [];
}

/// <summary>Queued faults per service (and optionally per operation), consumed one per matching request.</summary>
internal sealed class FaultQueue
{
    private readonly ConcurrentQueue<(LocalAwsService Service, string? Operation, LocalFault Fault)> _queue = new();
    private readonly Lock _lock = new();

    public void Enqueue(LocalAwsService service, LocalFault fault, int times, string? operation)
    {
        for (var i = 0; i < times; i++)
        {
            _queue.Enqueue((service, operation, fault));
        }
    }

    /// <summary>Takes the first queued fault that applies to this request, leaving the others in order.</summary>
    public LocalFault? TakeFor(LocalAwsService service, string operation)
    {
        lock (_lock)
        {
            var pending = _queue.ToArray();
            for (var i = 0; i < pending.Length; i++)
            {
                var (faultService, faultOperation, fault) = pending[i];
                if (faultService == service && (faultOperation is null || string.Equals(faultOperation, operation, StringComparison.Ordinal)))
                {
                    _queue.Clear();
                    for (var j = 0; j < pending.Length; j++)
                    {
                        if (j != i)
                        {
                            _queue.Enqueue(pending[j]);
                        }
                    }

                    return fault;
                }
            }

            return null;
        }
    }
}
