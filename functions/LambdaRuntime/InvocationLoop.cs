using System.Net.Sockets;

namespace ReferenceArchitectures.LambdaRuntime;

/// <summary>The init phase and the get-next, invoke, respond cycle of one runtime process.</summary>
internal sealed class InvocationLoop
{
    // CancellationTokenSource timers accept at most uint.MaxValue - 1 milliseconds.
    private static readonly TimeSpan LongestTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly RuntimeApiClient _client;
    private readonly JsonLambdaLogger _logger;
    private readonly LambdaHostOptions _options;

    public InvocationLoop(RuntimeApiClient client, JsonLambdaLogger logger, LambdaHostOptions options)
    {
        _client = client;
        _logger = logger;
        _options = options;
    }

    public async Task<int> RunAsync(Action<LambdaHandlerRegistry> configure, CancellationToken cancellationToken)
    {
        var handler = await InitializeAsync(configure, cancellationToken).ConfigureAwait(false);
        if (handler is null)
        {
            return 1;
        }

        var function = LambdaFunctionInfo.FromEnvironment(_options.GetEnvironmentVariable);
        var handled = 0;
        while (_options.MaxInvocations is not { } max || handled < max)
        {
            try
            {
                var invocation = await _client.GetNextInvocationAsync(cancellationToken).ConfigureAwait(false);
                handled++;
                await InvokeAsync(handler, invocation, function, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                _logger.LogInformation("Runtime stopping: cancellation was requested.");
                return 0;
            }
            catch (LambdaRuntimeApiException ex) when (ex.StatusCode is null)
            {
                // A malformed invocation cannot be answered; Lambda ends it at its deadline.
                _logger.LogError("Skipped an invocation the runtime could not read.", ex);
            }
            catch (Exception ex) when (ex is LambdaRuntimeApiException or HttpRequestException or IOException or SocketException)
            {
                _logger.LogCritical("The Runtime API failed; the runtime exits so that Lambda replaces the execution environment.", ex);
                return 1;
            }
        }

        _logger.LogInformation($"Runtime stopping after {handled} invocation(s), as configured.");
        return 0;
    }

    private async Task<LambdaHandlerRegistry.RegisteredHandler?> InitializeAsync(Action<LambdaHandlerRegistry> configure, CancellationToken cancellationToken)
    {
        var registry = new LambdaHandlerRegistry();
        LambdaErrorReport report;
        try
        {
            configure(registry);
            var name = _options.Handler ?? _options.GetEnvironmentVariable("_HANDLER");
            var handler = registry.Resolve(name);
            _logger.LogInformation($"Runtime initialized with handler '{name}'.");
            return handler;
        }
        catch (LambdaHandlerNotFoundException ex)
        {
            // The error type the managed runtimes report for the same mistake.
            report = LambdaErrorReport.FromException(ex, "Runtime.HandlerNotFound");
            _logger.LogCritical("Initialization failed: " + ex.Message, ex);
        }
#pragma warning disable CA1031 // Whatever the function's init code throws is reported to Lambda, not rethrown.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            report = LambdaErrorReport.FromException(ex);
            _logger.LogCritical($"Initialization failed: {ex.GetType().Name}: {ex.Message}", ex);
        }

        try
        {
            await _client.PostInitErrorAsync(report, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is LambdaRuntimeApiException or HttpRequestException or IOException or OperationCanceledException)
        {
            _logger.LogError("The init error could not be reported to the Runtime API.", ex);
        }

        return null;
    }

    private async Task InvokeAsync(LambdaHandlerRegistry.RegisteredHandler handler, RuntimeInvocation invocation, LambdaFunctionInfo function, CancellationToken cancellationToken)
    {
        // Both flow only into this invocation: an async method's changes to AsyncLocal values do not return to its caller.
        _logger.CurrentRequestId = invocation.RequestId;
        Environment.SetEnvironmentVariable(LambdaHost.TraceIdEnvironmentVariable, invocation.TraceId);

        using var deadline = CreateDeadlineSource(invocation.Deadline);
        using var stopping = cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), deadline);
        var context = new LambdaContext(
            invocation.RequestId,
            invocation.InvokedFunctionArn,
            invocation.Deadline,
            _logger,
            function,
            _options.TimeProvider,
            invocation.TraceId,
            invocation.ClientContext,
            invocation.CognitoIdentity,
            deadline.Token);

        _logger.LogDebug("Invocation received.");
        if (handler.Buffered is { } buffered)
        {
            await RunBufferedAsync(buffered, invocation, context, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await RunStreamingAsync(handler.Streaming!, invocation, context, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RunBufferedAsync(BufferedHandler handler, RuntimeInvocation invocation, LambdaContext context, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> response;
        try
        {
            response = await handler(invocation.Payload, context).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A handler failure is the invocation's result, not the runtime's.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await ReportHandlerFailureAsync(invocation.RequestId, ex, cancellationToken).ConfigureAwait(false);
            return;
        }

        await TolerateAsync(() => _client.PostResponseAsync(invocation.RequestId, response, cancellationToken), "The response could not be delivered.").ConfigureAwait(false);
    }

    private async Task RunStreamingAsync(StreamingHandler handler, RuntimeInvocation invocation, LambdaContext context, CancellationToken cancellationToken)
    {
        var request = _client.CreateStreamingResponse(invocation.RequestId);
        await using (request.ConfigureAwait(false))
        {
            var response = new LambdaResponseStream(request);
            await using (response.ConfigureAwait(false))
            {
                try
                {
                    await handler(invocation.Payload, response, context).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // A handler failure is the invocation's result, not the runtime's.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    if (!request.HasStarted)
                    {
                        // Nothing reached the caller yet, so the failure can be an ordinary invocation error.
                        await ReportHandlerFailureAsync(invocation.RequestId, ex, cancellationToken).ConfigureAwait(false);
                        return;
                    }

                    _logger.LogError($"Invocation failed after its response started streaming: {ex.GetType().Name}: {ex.Message}", ex);
                    await TolerateAsync(() => request.FailAsync(LambdaErrorReport.FromException(ex), cancellationToken), "The streamed error could not be delivered.").ConfigureAwait(false);
                    return;
                }

                await TolerateAsync(
                    async () =>
                    {
                        await request.StartAsync(response.ContentType, cancellationToken).ConfigureAwait(false);
                        await request.CompleteAsync(cancellationToken).ConfigureAwait(false);
                    },
                    "The streamed response could not be completed.").ConfigureAwait(false);
            }
        }
    }

    private async Task ReportHandlerFailureAsync(string requestId, Exception exception, CancellationToken cancellationToken)
    {
        _logger.LogError($"Invocation failed: {exception.GetType().Name}: {exception.Message}", exception);
        await TolerateAsync(() => _client.PostInvocationErrorAsync(requestId, LambdaErrorReport.FromException(exception), cancellationToken), "The invocation error could not be delivered.").ConfigureAwait(false);
    }

    // A rejected answer (an unknown request id, a response over the size limit) ends that invocation, not the runtime.
    // A 500 means the environment cannot recover, so that one propagates and stops the loop.
    private async Task TolerateAsync(Func<Task> send, string failureMessage)
    {
        try
        {
            await send().ConfigureAwait(false);
        }
        catch (LambdaRuntimeApiException ex) when (!ex.IsFatal)
        {
            _logger.LogError(failureMessage, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or SocketException)
        {
            _logger.LogError(failureMessage, ex);
        }
    }

    private CancellationTokenSource CreateDeadlineSource(DateTimeOffset deadline)
    {
        var delay = deadline - _options.DeadlineSafetyMargin - _options.TimeProvider.GetUtcNow();
        if (delay <= TimeSpan.Zero)
        {
            var expired = new CancellationTokenSource();
            expired.Cancel();
            return expired;
        }

        return delay < LongestTimer ? new CancellationTokenSource(delay, _options.TimeProvider) : new CancellationTokenSource();
    }
}
