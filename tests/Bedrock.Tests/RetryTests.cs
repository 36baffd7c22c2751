using System.Net;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using ReferenceArchitectures.Testing.LocalBedrock;

namespace ReferenceArchitectures.Bedrock.Tests;

public sealed class RetryTests : LocalBedrockHarness
{
    public static TheoryData<string> RetryableFaults() => ["throttling", "internal", "unavailable", "not-ready"];

    public static TheoryData<string, string, HttpStatusCode> NonRetryableFaults() => new()
    {
        { "validation", ErrorCodes.Validation, HttpStatusCode.BadRequest },
        { "access-denied", ErrorCodes.AccessDenied, HttpStatusCode.Forbidden },
        { "not-found", ErrorCodes.ResourceNotFound, HttpStatusCode.NotFound },
    };

    [Theory]
    [MemberData(nameof(RetryableFaults))]
    public async Task Transient_error_is_retried_then_succeeds(string fault)
    {
        Server.Enqueue(Fault(fault), times: 2);
        using var client = CreateClient();

        var response = await client.ConverseAsync(UserSays("still there?"));

        Assert.Equal("still there?", response.Output.Message?.Content.Single().Text);
        Assert.Equal(3, Server.Requests.Count);
        Assert.All(Server.Requests, r => Assert.True(r.Signature.IsValid, r.Signature.Message));
    }

    [Fact]
    public async Task Throttling_is_retried_up_to_max_attempts_then_reported()
    {
        Server.Enqueue(Behaviour.Throttling(), times: 10);
        using var client = CreateClient(o => With(o, maxAttempts: 3));

        var error = await Assert.ThrowsAsync<BedrockException>(() => client.ConverseAsync(UserSays("hi")));

        Assert.True(error.IsThrottling);
        Assert.True(error.IsRetryable);
        Assert.Equal(ErrorCodes.Throttling, error.ErrorCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, error.StatusCode);
        Assert.Equal(3, error.Attempts);
        Assert.Equal(3, Server.Requests.Count);
    }

    [Fact]
    public async Task Model_not_ready_is_not_reported_as_throttling()
    {
        Server.Enqueue(Behaviour.ModelNotReady(), times: 10);
        using var client = CreateClient(o => With(o, maxAttempts: 2));

        var error = await Assert.ThrowsAsync<BedrockException>(() => client.ConverseAsync(UserSays("hi")));

        Assert.Equal(ErrorCodes.ModelNotReady, error.ErrorCode);
        Assert.False(error.IsThrottling);
        Assert.Equal(2, Server.Requests.Count);
    }

    [Theory]
    [MemberData(nameof(NonRetryableFaults))]
    public async Task Client_error_is_not_retried(string fault, string errorCode, HttpStatusCode status)
    {
        Server.Enqueue(Fault(fault), times: 5);
        using var client = CreateClient();

        var error = await Assert.ThrowsAsync<BedrockException>(() => client.ConverseAsync(UserSays("hi")));

        Assert.Equal(errorCode, error.ErrorCode);
        Assert.Equal(status, error.StatusCode);
        Assert.False(error.IsRetryable);
        Assert.Equal(1, error.Attempts);
        Assert.Single(Server.Requests);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Theory]
    [InlineData("__type", "com.amazonaws.bedrock#ModelNotReadyException", "ModelNotReadyException")]
    [InlineData("code", "ExpiredTokenException", "ExpiredTokenException")]
    public async Task Error_code_is_read_from_the_body_when_the_header_is_missing(string member, string sent, string expected)
    {
        // AWS JSON protocols name the error in x-amzn-ErrorType, or else in the body's __type (or code) member; the status
        // alone would make these Throttling (429) and AccessDenied (403).
        var status = expected == "ModelNotReadyException" ? HttpStatusCode.TooManyRequests : HttpStatusCode.Forbidden;
        Server.Enqueue(Behaviour.HttpErrorTypedInBody(status, sent, "told in the body", member), times: 5);
        using var client = CreateClient(o => With(o, maxAttempts: 1));

        var error = await Assert.ThrowsAsync<BedrockException>(() => client.ConverseAsync(UserSays("hi")));

        Assert.Equal(expected, error.ErrorCode);
        Assert.Equal("told in the body", error.ServiceMessage);
    }

    [Fact]
    public async Task Streaming_open_is_retried_on_throttling()
    {
        Server.Enqueue(Behaviour.Throttling());
        using var client = CreateClient();

        var text = await StreamTextAsync(client, "hello again");

        Assert.Equal("hello again", text);
        Assert.Equal(2, Server.Requests.Count);
    }

    [Theory]
    [InlineData("throttlingException", 0)]
    [InlineData("throttlingException", 1)]
    [InlineData("serviceUnavailableException", 1)]
    [InlineData("internalServerException", 0)]
    [InlineData("modelStreamErrorException", 1)]
    public async Task In_stream_exception_before_the_first_delta_is_retried(string exceptionType, int afterEvents)
    {
        Server.Enqueue(Behaviour.StreamException(exceptionType, afterEvents));
        using var client = CreateClient();

        var text = await StreamTextAsync(client, "retry me please");

        Assert.Equal("retry me please", text);
        Assert.Equal(2, Server.Requests.Count);
    }

    [Fact]
    public async Task In_stream_exception_after_the_first_delta_surfaces_to_the_caller()
    {
        // messageStart, then the deltas "one" and " two", then the exception.
        Server.Enqueue(Behaviour.StreamException("throttlingException", afterEvents: 3, "Too many tokens"));
        using var client = CreateClient();
        var received = new List<string>();

        var error = await Assert.ThrowsAsync<BedrockException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "one two three four")]))
            {
                received.Add(update.Text);
            }
        });

        Assert.Equal(["one", " two"], received);
        Assert.Equal(ErrorCodes.Throttling, error.ErrorCode);
        Assert.True(error.IsThrottling);
        Assert.Null(error.StatusCode);
        Assert.Contains("Too many tokens", error.Message, StringComparison.Ordinal);
        Assert.Single(Server.Requests);
    }

    [Fact]
    public async Task Non_retryable_stream_exception_is_not_retried()
    {
        Server.Enqueue(Behaviour.StreamException("validationException", afterEvents: 0, "bad input"));
        using var client = CreateClient();

        var error = await Assert.ThrowsAsync<BedrockException>(() => StreamTextAsync(client, "x"));

        Assert.Equal(ErrorCodes.Validation, error.ErrorCode);
        Assert.Single(Server.Requests);
    }

    [Fact]
    public async Task Attempt_timeout_surfaces_as_BedrockTimeoutException()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        Server.Enqueue(Behaviour.Delay(TimeSpan.FromMinutes(10)));
        using var client = CreateClient(o => With(o, maxAttempts: 1, attemptTimeout: TimeSpan.FromSeconds(5)), timeProvider: time);

        var call = client.ConverseAsync(UserSays("slow"));
        await Server.WaitForRequestsAsync(1, new CancellationTokenSource(SafetyNet).Token);
        time.Advance(TimeSpan.FromSeconds(6));
        var error = await Assert.ThrowsAsync<BedrockTimeoutException>(() => call.WaitAsync(SafetyNet));

        Assert.Equal(BedrockTimeoutException.AttemptTimeoutCode, error.ErrorCode);
        Assert.IsType<TimeoutException>(error.InnerException);
        Assert.True(error.IsRetryable);
        Assert.Equal(1, error.Attempts);
    }

    [Fact]
    public async Task Timed_out_stream_attempt_is_retried()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        Server.Enqueue(Behaviour.Delay(TimeSpan.FromMinutes(10)));
        using var client = CreateClient(o => With(o, maxAttempts: 2, attemptTimeout: TimeSpan.FromSeconds(5)), timeProvider: time);

        var call = StreamTextAsync(client, "second time lucky");
        await Server.WaitForRequestsAsync(1, new CancellationTokenSource(SafetyNet).Token);
        time.Advance(TimeSpan.FromSeconds(6));
        var text = await call.WaitAsync(SafetyNet);

        Assert.Equal("second time lucky", text);
        Assert.Equal(2, Server.Requests.Count);
    }

    [Fact]
    public async Task Caller_cancellation_surfaces_as_OperationCanceledException_not_a_timeout()
    {
        Server.Enqueue(Behaviour.Delay(TimeSpan.FromMinutes(10)));
        using var client = CreateClient();
        using var cancellation = new CancellationTokenSource();

        var call = client.ConverseAsync(UserSays("never mind"), ct: cancellation.Token);
        await Server.WaitForRequestsAsync(1, new CancellationTokenSource(SafetyNet).Token);
        await cancellation.CancelAsync();
        var error = await Record.ExceptionAsync(() => call.WaitAsync(SafetyNet));

        Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.Single(Server.Requests);
    }

    [Fact]
    public async Task Caller_cancellation_stops_a_stream_being_read()
    {
        Server.Enqueue(Behaviour.Text("many words follow here"));
        using var client = CreateClient();
        using var cancellation = new CancellationTokenSource();

        var error = await Record.ExceptionAsync(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "x")], cancellationToken: cancellation.Token))
            {
                await cancellation.CancelAsync();
            }
        });

        Assert.IsAssignableFrom<OperationCanceledException>(error);
    }

    [Fact]
    public async Task Backoff_delays_run_on_the_injected_time_provider()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        Server.Enqueue(Behaviour.Throttling());
        using var client = CreateClient(
            o => new BedrockClientOptions { Region = o.Region, ModelId = o.ModelId, Endpoint = o.Endpoint, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(1) },
            timeProvider: time,
            jitter: new FixedRandom(0.5));

        var call = client.ConverseAsync(UserSays("wait for it"));
        await Server.WaitForRequestsAsync(1, new CancellationTokenSource(SafetyNet).Token);
        using var safety = new CancellationTokenSource(SafetyNet);
        while (!call.IsCompleted && !safety.IsCancellationRequested)
        {
            // The client may not have started its delay yet; advancing in small steps until it finishes is order-proof.
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(5, CancellationToken.None);
        }

        var response = await call.WaitAsync(SafetyNet);
        Assert.Equal("wait for it", response.Output.Message?.Content.Single().Text);
        Assert.Equal(2, Server.Requests.Count);
    }

    [Theory]
    [InlineData(1, 0.5, 100)]
    [InlineData(2, 0.5, 200)]
    [InlineData(3, 0.5, 400)]
    [InlineData(10, 0.5, 1000)]
    [InlineData(3, 0.0, 0)]
    public void Backoff_is_full_jitter_under_an_exponential_ceiling_capped_by_max_delay(int failedAttempt, double random, int expectedMs)
    {
        var delay = Backoff.Delay(failedAttempt, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2), new FixedRandom(random));

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), delay);
    }

    private static Behaviour Fault(string name) => name switch
    {
        "throttling" => Behaviour.Throttling(),
        "internal" => Behaviour.InternalServerError(),
        "unavailable" => Behaviour.ServiceUnavailable(),
        "not-ready" => Behaviour.ModelNotReady(),
        "validation" => Behaviour.Validation(),
        "access-denied" => Behaviour.AccessDenied(),
        "not-found" => Behaviour.ResourceNotFound(),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown fault."),
    };

    private static async Task<string> StreamTextAsync(BedrockChatClient client, string prompt)
    {
        var text = new System.Text.StringBuilder();
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, prompt)]))
        {
            text.Append(update.Text);
        }

        return text.ToString();
    }

    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
    }
}
