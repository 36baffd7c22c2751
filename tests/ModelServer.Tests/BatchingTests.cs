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
        await using var server = await RunningServer.StartAsync(
            new Dictionary<string, string?> { ["ModelServer:MaxBatchWait"] = "00:00:01" },
            services: services => services.AddSingleton<TimeProvider>(clock));
        using var hang = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        using var response = await server.Client.PostAsJsonAsync("/v1/embeddings", new { input = "One sentence, and nobody else asking." }, hang.Token);

        response.EnsureSuccessStatusCode();
        Assert.Equal(0, clock.TimersCreated);
    }

    [Fact]
    public async Task After_a_round_the_batcher_waits_for_as_many_texts_as_it_held()
    {
        var clock = new FrozenClock();
        await using var server = await RunningServer.StartAsync(
            new Dictionary<string, string?> { ["ModelServer:MaxBatchWait"] = "00:00:01" },
            services: services => services.AddSingleton<TimeProvider>(clock));
        var batches = new List<int>();
        server.Services.GetRequiredService<EmbeddingBatcher>().BatchCompleted += (size, _) =>
        {
            lock (batches)
            {
                batches.Add(size);
            }
        };
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

        private sealed class SilentTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
