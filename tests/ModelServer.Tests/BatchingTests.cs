using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;

namespace ReferenceArchitectures.ModelServer.Tests;

public sealed class BatchingTests
{
    [Fact]
    public async Task A_lone_request_runs_at_once_however_long_MaxBatchWait_is()
    {
        // The batcher's clock never moves: a batcher that waited for more texts would wait for ever. The client's
        // timeout only stops a hang; no duration is measured.
        var clock = new FrozenClock();
        await using var server = await StartWithClockAsync(clock);
        using var hang = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        using var response = await server.Client.PostAsJsonAsync("/v1/embeddings", new { input = "One sentence, and nobody else asking." }, hang.Token);

        response.EnsureSuccessStatusCode();
        Assert.Equal(0, clock.TimersCreated);
    }

    [Fact]
    public async Task After_a_round_the_batcher_waits_for_as_many_texts_as_it_held()
    {
        var clock = new FrozenClock();
        await using var server = await StartWithClockAsync(clock);
        var batches = RecordBatches(server);
        using var hang = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        (await server.Client.PostAsJsonAsync("/v1/embeddings", new { input = new[] { "first of two", "second of two" } }, hang.Token)).EnsureSuccessStatusCode();

        // One text after a round of two: the batcher starts waiting for a second (the deadline timer is its sign) and,
        // on a clock that never moves, can only run once another text comes.
        var lone = server.Client.PostAsJsonAsync("/v1/embeddings", new { input = "a third text" }, hang.Token);
        while (clock.TimersCreated == 0)
        {
            await Task.Delay(10, hang.Token);
        }

        Assert.False(lone.IsCompleted);
        (await server.Client.PostAsJsonAsync("/v1/embeddings", new { input = "a fourth text" }, hang.Token)).EnsureSuccessStatusCode();
        (await lone).EnsureSuccessStatusCode();

        lock (batches)
        {
            Assert.Equal([2, 2], batches);
        }
    }

    [Fact]
    public async Task While_texts_keep_coming_the_batcher_keeps_waiting_and_a_gap_ends_the_wait()
    {
        var clock = new ManualClock();
        await using var server = await StartWithClockAsync(clock);
        var batches = RecordBatches(server);
        using var hang = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        (await server.Client.PostAsJsonAsync("/v1/embeddings", new { input = new[] { "one of four", "two of four", "three of four", "four of four" } }, hang.Token)).EnsureSuccessStatusCode();

        // After a round of four, one text arrives: the batcher waits for more (its first gap timer). A second text
        // arrives within the gap: it waits again, with a new gap (a second timer), instead of running at the first
        // deadline. Then no text comes: the gap's timer fires and the two run together.
        var first = server.Client.PostAsJsonAsync("/v1/embeddings", new { input = "a fifth text" }, hang.Token);
        await clock.WaitForTimersAsync(1, hang.Token);
        var second = server.Client.PostAsJsonAsync("/v1/embeddings", new { input = "a sixth text" }, hang.Token);
        await clock.WaitForTimersAsync(2, hang.Token);
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);

        clock.FireLatest();
        (await first).EnsureSuccessStatusCode();
        (await second).EnsureSuccessStatusCode();
        lock (batches)
        {
            Assert.Equal([4, 2], batches);
        }
    }

    [Fact]
    public async Task The_wait_after_a_round_ends_when_it_has_lasted_as_long_as_a_run_even_while_texts_keep_coming()
    {
        var clock = new ManualClock();
        await using var server = await StartWithClockAsync(clock);
        using var hang = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        (await server.Client.PostAsJsonAsync("/v1/embeddings", new { input = new[] { "one of four", "two of four", "three of four", "four of four" } }, hang.Token)).EnsureSuccessStatusCode();

        // The run took no time on this clock, so the wait's budget is MaxBatchWait (1 s) from the round's end. A text
        // at 0.6 s starts a wait; one at 1.2 s comes within its gap (0.6 s) but after the budget: the two run at once,
        // with no further timer, though two of the four texts the round held never came.
        clock.Now = TimeSpan.FromSeconds(0.6);
        var first = server.Client.PostAsJsonAsync("/v1/embeddings", new { input = "a fifth text" }, hang.Token);
        await clock.WaitForTimersAsync(1, hang.Token);
        clock.Now = TimeSpan.FromSeconds(1.2);
        (await server.Client.PostAsJsonAsync("/v1/embeddings", new { input = "a sixth text" }, hang.Token)).EnsureSuccessStatusCode();
        (await first).EnsureSuccessStatusCode();
        Assert.Equal(1, clock.TimersCreated);
    }

    /// <summary>A server whose batcher waits up to 1 s (MaxBatchWait) and keeps time by <paramref name="clock"/>.</summary>
    private static Task<RunningServer> StartWithClockAsync(TimeProvider clock) => RunningServer.StartAsync(
        new Dictionary<string, string?> { ["ModelServer:MaxBatchWait"] = "00:00:01" },
        services: services => services.AddSingleton(clock));

    /// <summary>The size of every model run from now on, in order.</summary>
    private static List<int> RecordBatches(RunningServer server)
    {
        var batches = new List<int>();
        server.Services.GetRequiredService<EmbeddingBatcher>().BatchCompleted += (size, _) =>
        {
            lock (batches)
            {
                batches.Add(size);
            }
        };
        return batches;
    }

    /// <summary>A clock whose time moves only when the test sets it; the test fires its timers.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private readonly List<(TimerCallback Callback, object? State)> _timers = [];

        public TimeSpan Now { get; set; }

        public int TimersCreated
        {
            get
            {
                lock (_timers)
                {
                    return _timers.Count;
                }
            }
        }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Now.Ticks;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (_timers)
            {
                _timers.Add((callback, state));
            }

            return new FrozenClock.SilentTimer();
        }

        public async Task WaitForTimersAsync(int count, CancellationToken cancellationToken)
        {
            while (true)
            {
                lock (_timers)
                {
                    if (_timers.Count >= count)
                    {
                        return;
                    }
                }

                await Task.Delay(10, cancellationToken);
            }
        }

        public void FireLatest()
        {
            (TimerCallback Callback, object? State) latest;
            lock (_timers)
            {
                latest = _timers[^1];
            }

            latest.Callback(latest.State);
        }
    }

    /// <summary>A clock whose time stands still and whose timers never fire.</summary>
    private sealed class FrozenClock : TimeProvider
    {
        private int _timersCreated;

        public int TimersCreated => Volatile.Read(ref _timersCreated);

        public override long GetTimestamp() => 0;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _timersCreated);
            return new SilentTimer();
        }

        internal sealed class SilentTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
