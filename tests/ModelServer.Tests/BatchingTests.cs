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
