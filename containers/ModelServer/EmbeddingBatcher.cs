using System.Threading.Channels;
using Microsoft.Extensions.Options;
using ReferenceArchitectures.Embeddings;

namespace ReferenceArchitectures.ModelServer;

/// <summary>
/// Dynamic batching: texts from concurrent requests wait in one queue; a single consumer takes up to
/// <see cref="ModelServerOptions.MaxBatchSize"/> of them, plus any others already waiting up to a few batches' worth,
/// sorts them by token length so that each model run pads little, and completes each request when its last text is
/// done. One consumer is enough: a model run already uses every core through ONNX Runtime's intra-op threads.
/// </summary>
/// <remarks>
/// <para>
/// When to run: texts that arrive while a run is in progress wait for it and form the next batch. Beyond that the
/// consumer waits only when waiting can gain: when fewer texts are waiting than the previous round held, the clients
/// it has just answered are likely sending their next texts, so it waits for as many texts as that round held (at
/// most a batch) for as long as they keep coming: until no text has arrived for
/// <see cref="ModelServerOptions.MaxBatchWait"/>, and never for longer in all than the last run took (or
/// <see cref="ModelServerOptions.MaxBatchWait"/>, if that is longer): waiting longer than a run can gain no more than
/// running. A fixed deadline instead split 16 returning clients into two batches of 8 on one core, where taking in a
/// request costs about half a millisecond and 16 of them outlast a 2 ms wait. A text that arrives at an idle model
/// with nothing else waiting (no round in the last <see cref="ModelServerOptions.MaxBatchWait"/>, or a lone client's
/// next text) runs at once.
/// </para>
/// <para>
/// The queue is bounded by admission rather than by the channel's own capacity: a request's texts are admitted all
/// together or not at all, and a request that does not fit is refused at once (the caller answers 503 with
/// Retry-After) instead of waiting for room.
/// </para>
/// </remarks>
/// <param name="clock">Time for the batching decisions; tests pass one that never moves.</param>
public sealed class EmbeddingBatcher(IOptions<ModelServerOptions> options, EmbeddingModelHost model, TimeProvider? clock = null) : BackgroundService
{
    /// <summary>How many batches beyond the first the consumer takes in one round, to sort them by length together.</summary>
    private const int LookaheadBatches = 3;

    private readonly Channel<QueuedText> _queue = Channel.CreateUnbounded<QueuedText>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ModelServerOptions _options = options.Value;

    // A job's texts reach the consumer together: without this, a consumer woken by a job's first text could start a
    // round before the rest were written and split one request across rounds (seen under CPU contention).
    private readonly Lock _handOver = new();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private int _queuedTexts;

    /// <summary>Texts in the last round, and when it ended: the clients it answered may be about to send more.</summary>
    private int _lastRoundTexts;
    private long _lastRoundEnded;
    private TimeSpan _lastRunTime;

    /// <summary>Raised after each model run with the batch size and the run's duration in seconds.</summary>
    public event Action<int, double>? BatchCompleted;

    /// <summary>Texts admitted and not yet taken by the consumer.</summary>
    public int QueueDepth => Volatile.Read(ref _queuedTexts);

    /// <summary>
    /// Queues <paramref name="texts"/> as one job, or returns null when the queue cannot take them all. The job's
    /// embeddings come back in the order given. Cancelling <paramref name="cancellationToken"/> drops the job's texts
    /// that have not reached the model yet.
    /// </summary>
    public Task<TextEmbedding[]>? TryEnqueue(IReadOnlyList<TokenizedText> texts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (Interlocked.Add(ref _queuedTexts, texts.Count) > _options.QueueCapacity)
        {
            Interlocked.Add(ref _queuedTexts, -texts.Count);
            return null;
        }

        var job = new EmbeddingJob(texts.Count, cancellationToken);
        lock (_handOver)
        {
            for (var i = 0; i < texts.Count; i++)
            {
                _queue.Writer.TryWrite(new QueuedText(job, i, texts[i]));
            }
        }

        return job.Completion;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        EmbeddingEngine engine;
        try
        {
            engine = await model.WhenReadyAsync(stoppingToken);
        }
        catch (Exception) when (!stoppingToken.IsCancellationRequested)
        {
            return; // the model host reports the failure and stops the process
        }

        var reader = _queue.Reader;
        var round = new List<QueuedText>(_options.MaxBatchSize * (LookaheadBatches + 1));
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                round.Clear();
                TakeWaiting(reader, round, _options.MaxBatchSize * (LookaheadBatches + 1));
                var expected = ExpectedTexts();
                if (round.Count < expected)
                {
                    await WaitForMoreAsync(reader, round, expected, stoppingToken);
                }

                RunRound(engine, round, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: Kestrel has stopped taking requests; fail whatever is still queued.
        }

        _queue.Writer.TryComplete();
        while (reader.TryRead(out var left))
        {
            left.Job.Fail(new OperationCanceledException("The server is shutting down."));
        }
    }

    private void TakeWaiting(ChannelReader<QueuedText> reader, List<QueuedText> round, int limit)
    {
        lock (_handOver)
        {
            while (round.Count < limit && reader.TryRead(out var text))
            {
                Interlocked.Decrement(ref _queuedTexts);
                if (!text.Job.IsFinished)
                {
                    round.Add(text);
                }
            }
        }
    }

    /// <summary>
    /// How many texts are worth waiting for: as many as the last round held (at most a batch), if it ended less than
    /// <see cref="ModelServerOptions.MaxBatchWait"/> ago; otherwise none, and what is waiting runs at once.
    /// </summary>
    private int ExpectedTexts() =>
        _lastRoundTexts > 0 && _clock.GetElapsedTime(_lastRoundEnded) < _options.MaxBatchWait
            ? Math.Min(_lastRoundTexts, _options.MaxBatchSize)
            : 0;

    /// <summary>
    /// Takes texts until <paramref name="expected"/> are in <paramref name="round"/>, while they keep coming: each must
    /// arrive within <see cref="ModelServerOptions.MaxBatchWait"/> of the one before, and all within the last run's
    /// time (at least <see cref="ModelServerOptions.MaxBatchWait"/>) of the last round's end.
    /// </summary>
    private async Task WaitForMoreAsync(ChannelReader<QueuedText> reader, List<QueuedText> round, int expected, CancellationToken stoppingToken)
    {
        var budget = _lastRunTime > _options.MaxBatchWait ? _lastRunTime : _options.MaxBatchWait;
        var lastArrival = _clock.GetTimestamp();
        while (round.Count < expected)
        {
            var gapLeft = _options.MaxBatchWait - _clock.GetElapsedTime(lastArrival);
            var budgetLeft = budget - _clock.GetElapsedTime(_lastRoundEnded);
            var left = gapLeft < budgetLeft ? gapLeft : budgetLeft;
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            using var deadline = new CancellationTokenSource(left, _clock);
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, deadline.Token);
            try
            {
                if (!await reader.WaitToReadAsync(waiting.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                return; // nothing came within the gap, or the budget is spent: run what there is.
            }

            TakeWaiting(reader, round, expected);
            lastArrival = _clock.GetTimestamp();
        }
    }

    private void RunRound(EmbeddingEngine engine, List<QueuedText> round, CancellationToken stoppingToken)
    {
        var roundStarted = _clock.GetTimestamp();
        round.Sort(static (a, b) => a.Tokens.Length.CompareTo(b.Tokens.Length));
        var recorded = false;
        for (var start = 0; start < round.Count; start += _options.MaxBatchSize)
        {
            var last = start + _options.MaxBatchSize >= round.Count;
            var batch = round.GetRange(start, Math.Min(_options.MaxBatchSize, round.Count - start));
            // A request cancelled while earlier batches ran needs no model time.
            batch.RemoveAll(static text => text.Job.IsFinished);
            if (batch.Count == 0)
            {
                continue;
            }

            var started = TimeProvider.System.GetTimestamp();
            IReadOnlyList<TextEmbedding> embeddings;
            try
            {
                embeddings = engine.Embed(batch.ConvertAll(static text => text.Tokens), stoppingToken);
            }
#pragma warning disable CA1031 // A failed run fails its requests (answered 500 without details); the server goes on.
            catch (Exception error) when (error is not OperationCanceledException)
#pragma warning restore CA1031
            {
                if (last)
                {
                    RecordRound(round.Count, roundStarted);
                    recorded = true;
                }

                foreach (var text in batch)
                {
                    text.Job.Fail(error);
                }

                continue;
            }

            BatchCompleted?.Invoke(batch.Count, TimeProvider.System.GetElapsedTime(started).TotalSeconds);
            // Recorded before the round's last answers go out, so that a client's next text always meets this round's
            // figures, never the previous round's (under CPU contention the answers can overtake the consumer).
            if (last)
            {
                RecordRound(round.Count, roundStarted);
                recorded = true;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Job.Complete(batch[i].Index, embeddings[i]);
            }
        }

        if (!recorded)
        {
            RecordRound(round.Count, roundStarted);
        }
    }

    /// <summary>
    /// The figures the next round's wait uses: this round's size, when it ended and how long it ran.
    /// </summary>
    private void RecordRound(int texts, long started)
    {
        _lastRoundTexts = texts;
        _lastRoundEnded = _clock.GetTimestamp();
        _lastRunTime = _clock.GetElapsedTime(started, _lastRoundEnded);
    }

    private readonly record struct QueuedText(EmbeddingJob Job, int Index, TokenizedText Tokens);

    /// <summary>One request's texts: completes when the last of them is embedded.</summary>
    private sealed class EmbeddingJob
    {
        private readonly TaskCompletionSource<TextEmbedding[]> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TextEmbedding[] _results;
        private int _remaining;

        public EmbeddingJob(int count, CancellationToken cancellationToken)
        {
            _results = new TextEmbedding[count];
            _remaining = count;
            if (cancellationToken.CanBeCanceled)
            {
                cancellationToken.Register(static state => ((EmbeddingJob)state!)._completion.TrySetCanceled(), this);
            }
        }

        public Task<TextEmbedding[]> Completion => _completion.Task;

        public bool IsFinished => _completion.Task.IsCompleted;

        public void Complete(int index, TextEmbedding embedding)
        {
            _results[index] = embedding;
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _completion.TrySetResult(_results);
            }
        }

        public void Fail(Exception error) => _completion.TrySetException(error);
    }
}
