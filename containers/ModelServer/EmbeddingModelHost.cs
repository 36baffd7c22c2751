using Microsoft.Extensions.Options;
using ReferenceArchitectures.Embeddings;

namespace ReferenceArchitectures.ModelServer;

/// <summary>
/// Loads the model in the background at start, so that <c>/health/live</c> answers while it loads, and marks the
/// server ready only after one warm-up inference (the first run allocates ONNX Runtime's buffers and is slow).
/// A model that cannot be loaded stops the process with exit code 1.
/// </summary>
public sealed partial class EmbeddingModelHost(
    IOptions<ModelServerOptions> options, IHostApplicationLifetime lifetime, ILogger<EmbeddingModelHost> logger) : BackgroundService
{
    private readonly TaskCompletionSource<EmbeddingEngine> _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True once the model is loaded and warmed up.</summary>
    public bool IsReady => _loaded.Task.IsCompletedSuccessfully;

    /// <summary>The engine; only valid when <see cref="IsReady"/>.</summary>
    public EmbeddingEngine Engine => IsReady ? _loaded.Task.Result : throw new InvalidOperationException("The model is not loaded yet.");

    /// <summary>Completes when the model is ready.</summary>
    public Task<EmbeddingEngine> WhenReadyAsync(CancellationToken cancellationToken) => _loaded.Task.WaitAsync(cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var source = settings.ToModelSource();
        try
        {
            var started = TimeProvider.System.GetTimestamp();
            var engine = await EmbeddingEngine.CreateAsync(source, settings.ToEngineOptions(), stoppingToken);
            engine.Embed(["Warm-up: the first inference allocates the session's buffers."], stoppingToken);
            var elapsed = TimeProvider.System.GetElapsedTime(started);
            LogReady(engine.ModelName, engine.Dimensions, engine.IntraOpThreads, elapsed.TotalMilliseconds);
            _loaded.TrySetResult(engine);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _loaded.TrySetCanceled(stoppingToken);
        }
#pragma warning disable CA1031 // Any failure to load is fatal and is reported the same way.
        catch (Exception error)
#pragma warning restore CA1031
        {
            LogLoadFailed(error, source.ModelName);
            _loaded.TrySetException(error);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    public override void Dispose()
    {
        if (_loaded.Task.IsCompletedSuccessfully)
        {
            _loaded.Task.Result.Dispose();
        }

        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} ready: {Dimensions} dimensions, {Threads} intra-op threads, loaded and warmed up in {Milliseconds:F0} ms")]
    private partial void LogReady(string model, int dimensions, int threads, double milliseconds);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Model {Model} could not be loaded; stopping")]
    private partial void LogLoadFailed(Exception error, string model);
}
