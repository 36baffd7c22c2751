using Amazon.S3;
using Microsoft.Extensions.Options;
using ReferenceArchitectures.Embeddings;

namespace ReferenceArchitectures.ModelServer;

/// <summary>
/// Loads the model in the background at start, so that <c>/health/live</c> answers while it downloads and loads,
/// and marks the server ready only after one warm-up inference (the first run allocates ONNX Runtime's buffers and is
/// slow). A model that cannot be loaded, or an execution provider that cannot run without
/// <see cref="ModelOptions.AllowCpuFallback"/>, stops the process with exit code 1 and a log line that says why.
/// </summary>
public sealed partial class EmbeddingModelHost(
    IOptions<ModelServerOptions> serverOptions,
    IOptions<ModelOptions> modelOptions,
    IServiceProvider services,
    IHostApplicationLifetime lifetime,
    ILogger<EmbeddingModelHost> logger) : BackgroundService
{
    private readonly TaskCompletionSource<EmbeddingEngine> _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True once the model is loaded and warmed up.</summary>
    public bool IsReady => _loaded.Task.IsCompletedSuccessfully;

    /// <summary>The engine; only valid when <see cref="IsReady"/>.</summary>
    public EmbeddingEngine Engine => IsReady ? _loaded.Task.Result : throw new InvalidOperationException("The model is not loaded yet.");

    /// <summary>Completes when the model is ready; fails with the reason when it cannot be loaded.</summary>
    public Task<EmbeddingEngine> WhenReadyAsync(CancellationToken cancellationToken) => _loaded.Task.WaitAsync(cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var model = modelOptions.Value;
        var engineOptions = new EmbeddingEngineOptions
        {
            IntraOpThreads = serverOptions.Value.IntraOpThreads,
            SpinBetweenRuns = serverOptions.Value.SpinBetweenRuns,
            ExecutionProvider = model.ExecutionProvider,
            CudaDeviceId = model.CudaDeviceId,
            MaxTokens = model.MaxTokens,
            Pooling = model.Pooling,
        };
        try
        {
            var started = TimeProvider.System.GetTimestamp();
            var source = CreateSource(model);
            var engine = await CreateEngineAsync(source, engineOptions, model.AllowCpuFallback, stoppingToken);
            engine.Embed(["Warm-up: the first inference allocates the session's buffers."], stoppingToken);
            var elapsed = TimeProvider.System.GetElapsedTime(started);
            LogReady(engine.ModelName, engine.ExecutionProvider, engine.Dimensions, engine.MaxTokens, engine.IntraOpThreads, elapsed.TotalMilliseconds);
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
            var reason = error is ExecutionProviderUnavailableException
                ? $"{error.Message} Set Model:AllowCpuFallback=true to run on the CPU instead."
                : error.Message;
            var provider = model.ExecutionProvider.ToString().ToLowerInvariant();
            LogLoadFailed(error, model.ServedName, model.Origin, provider, reason);
            _loaded.TrySetException(error);
            Environment.ExitCode = 1;
            // Stopping before the host has finished starting would cancel Kestrel's start-up, and the process would
            // end on an unhandled TaskCanceledException instead of exit code 1 after the line above.
            lifetime.ApplicationStarted.Register(lifetime.StopApplication);
        }
    }

    private EmbeddingModelSource CreateSource(ModelOptions model) => model.Source switch
    {
        ModelSourceKind.Embedded => EmbeddingModelSource.AllMiniLmL6V2,
        ModelSourceKind.Files => EmbeddingModelSource.FromFiles(model.ServedName, model.ModelPath!, model.VocabularyPath!),
        // The S3 client is created only here, so a server that serves the built-in model needs no AWS settings.
        ModelSourceKind.S3 => new S3ModelSource(
            services.GetRequiredService<IAmazonS3>(), model.S3Location, model.CacheDirectory, model.ServedName, services.GetRequiredService<ILogger<S3ModelSource>>()),
        _ => throw new InvalidOperationException($"Model:Source {model.Source} is not supported."),
    };

    private async Task<EmbeddingEngine> CreateEngineAsync(
        EmbeddingModelSource source, EmbeddingEngineOptions options, bool allowCpuFallback, CancellationToken cancellationToken)
    {
        try
        {
            return await EmbeddingEngine.CreateAsync(source, options, cancellationToken);
        }
        catch (ExecutionProviderUnavailableException error) when (allowCpuFallback && options.ExecutionProvider != ExecutionProvider.Cpu)
        {
            LogCpuFallback(options.ExecutionProvider, error.Message);
            options.ExecutionProvider = ExecutionProvider.Cpu;
            return await EmbeddingEngine.CreateAsync(source, options, cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Model} ready on {Provider}: {Dimensions} dimensions, up to {MaxTokens} tokens per text, {Threads} intra-op threads, loaded and warmed up in {Milliseconds:F0} ms")]
    private partial void LogReady(string model, ExecutionProvider provider, int dimensions, int maxTokens, int threads, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Provider} is not usable, running on the CPU instead because Model:AllowCpuFallback is true; inference will be much slower. {Reason}")]
    private partial void LogCpuFallback(ExecutionProvider provider, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Model {Model} ({Origin}, on {Provider}) could not be loaded; stopping. {Reason}")]
    private partial void LogLoadFailed(Exception error, string model, string origin, string provider, string reason);
}
