namespace ReferenceArchitectures.Testing.LocalRuntimeApi;

/// <summary>An invocation from the moment it is queued until the function answers or the caller gives up.</summary>
internal sealed class PendingInvocation
{
    private const int Queued = 0;
    private const int Delivered = 1;
    private const int Answering = 2;
    private const int Finished = 3;

    private readonly TaskCompletionSource<InvocationResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _state;

    public PendingInvocation(string requestId, InvocationRequest request, DateTimeOffset deadline)
    {
        RequestId = requestId;
        Request = request;
        Deadline = deadline;
    }

    public string RequestId { get; }

    public InvocationRequest Request { get; }

    public DateTimeOffset Deadline { get; }

    public Task<InvocationResult> Completion => _completion.Task;

    /// <summary>GET /next takes it; false when the caller already gave up.</summary>
    public bool TryDeliver() => Interlocked.CompareExchange(ref _state, Delivered, Queued) == Queued;

    /// <summary>A response or error request claims it; only one answer per invocation is accepted.</summary>
    public bool TryBeginAnswer() => Interlocked.CompareExchange(ref _state, Answering, Delivered) == Delivered;

    public void Complete(InvocationResult result)
    {
        Volatile.Write(ref _state, Finished);
        _completion.TrySetResult(result);
    }

    public void Abandon(Exception reason)
    {
        Volatile.Write(ref _state, Finished);
        _completion.TrySetException(reason);
    }
}
