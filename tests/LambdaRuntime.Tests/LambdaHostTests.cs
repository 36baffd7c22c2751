using System.Text.Json;
using ReferenceArchitectures.Testing.LocalRuntimeApi;
using static ReferenceArchitectures.LambdaRuntime.Tests.HostedFunction;

namespace ReferenceArchitectures.LambdaRuntime.Tests;

public sealed class LambdaHostTests
{
    [Fact]
    public async Task Buffered_response_round_trips()
    {
        await using var function = await StartAsync(registry =>
            registry.MapBuffered("function", (payload, _) => Task.FromResult<ReadOnlyMemory<byte>>(Utf8("echo:" + Text(payload)))));

        var result = await function.InvokeAsync("""{"q":"hi"}""");

        Assert.False(result.IsError);
        Assert.False(result.Streamed);
        Assert.Equal("""echo:{"q":"hi"}""", Text(result.Body));
    }

    [Fact]
    public async Task Handler_exception_becomes_an_invocation_error_and_the_next_invocation_still_runs()
    {
        await using var function = await StartAsync(registry =>
            registry.MapBuffered("function", (payload, _) => Text(payload) == "fail"
                ? throw new InvalidOperationException("the model is unavailable")
                : Task.FromResult<ReadOnlyMemory<byte>>(Utf8("ok"))));

        var failed = await function.InvokeAsync("fail");
        var next = await function.InvokeAsync("fine");

        Assert.True(failed.IsError);
        // Lambda records a type outside Runtime.*/Function.* as Runtime.Unknown; the document keeps the .NET type.
        Assert.Equal("Runtime.Unknown", failed.ErrorType);
        using var error = JsonDocument.Parse(failed.Body);
        Assert.Equal("the model is unavailable", error.RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal(nameof(InvalidOperationException), error.RootElement.GetProperty("errorType").GetString());
        Assert.Equal(JsonValueKind.Array, error.RootElement.GetProperty("stackTrace").ValueKind);
        Assert.False(next.IsError);
        Assert.Equal("ok", Text(next.Body));
        Assert.False(function.Run.IsCompleted);
    }

    [Fact]
    public async Task Unknown_handler_is_an_init_error_that_lists_the_registered_handlers()
    {
        await using var function = await StartAsync(
            registry =>
            {
                registry.MapBuffered("chat", (_, _) => Task.FromResult(ReadOnlyMemory<byte>.Empty));
                registry.MapStreaming("stream", (_, _, _) => Task.CompletedTask);
            },
            handler: "chatt");

        var exitCode = await function.Run.WaitAsync(SafetyNet);
        var report = await function.Api.InitError.WaitAsync(SafetyNet);

        Assert.NotEqual(0, exitCode);
        Assert.Equal("Runtime.HandlerNotFound", report.ErrorType);
        var message = JsonDocument.Parse(report.Body).RootElement.GetProperty("errorMessage").GetString();
        Assert.Contains("'chatt'", message, StringComparison.Ordinal);
        Assert.Contains("chat, stream", message, StringComparison.Ordinal);
        Assert.Null(function.Api.FirstNextRequestedAt);
    }

    [Fact]
    public async Task Throwing_configure_is_an_init_error_and_a_non_zero_exit()
    {
        await using var function = await StartAsync(_ => throw new FormatException("MODEL_ID is not a model id"));

        var exitCode = await function.Run.WaitAsync(SafetyNet);
        var report = await function.Api.InitError.WaitAsync(SafetyNet);

        Assert.Equal(1, exitCode);
        Assert.Equal("Runtime.Unknown", report.ErrorType);
        Assert.Equal("MODEL_ID is not a model id", JsonDocument.Parse(report.Body).RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal(nameof(FormatException), JsonDocument.Parse(report.Body).RootElement.GetProperty("errorType").GetString());
    }

    [Fact]
    public async Task Missing_runtime_api_address_stops_with_a_message_that_names_the_setting()
    {
        using var log = new StringWriter();
        var options = new LambdaHostOptions { LogOutput = log, Handler = "function", GetEnvironmentVariable = _ => null };

        var exitCode = await LambdaHost.RunAsync(registry => registry.MapBuffered("function", (_, _) => Task.FromResult(ReadOnlyMemory<byte>.Empty)), options).WaitAsync(SafetyNet);

        Assert.Equal(1, exitCode);
        var line = JsonDocument.Parse(log.ToString()).RootElement;
        Assert.Equal("FATAL", line.GetProperty("level").GetString());
        Assert.Contains("AWS_LAMBDA_RUNTIME_API", line.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_options_are_rejected_with_named_exceptions()
    {
        static Task<int> Run(LambdaHostOptions options) => LambdaHost.RunAsync(_ => { }, options);

        await Assert.ThrowsAsync<ArgumentNullException>(() => LambdaHost.RunAsync(null!));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Run(new LambdaHostOptions { MaxInvocations = 0 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Run(new LambdaHostOptions { DeadlineSafetyMargin = TimeSpan.FromSeconds(-1) }));
    }

    [Fact]
    public async Task Context_fields_come_from_the_invocation_headers_and_the_function_environment()
    {
        LambdaContext? seen = null;
        var environment = new Dictionary<string, string>
        {
            ["AWS_LAMBDA_FUNCTION_NAME"] = "chat",
            ["AWS_LAMBDA_FUNCTION_VERSION"] = "7",
            ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "512",
            ["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/chat",
            ["AWS_LAMBDA_LOG_STREAM_NAME"] = "2026/11/27/[7]abc",
        };
        await using var function = await StartAsync(
            registry => registry.MapBuffered("function", (_, context) =>
            {
                seen = context;
                return Task.FromResult(ReadOnlyMemory<byte>.Empty);
            }),
            environment: environment);
        var request = new InvocationRequest(Utf8("{}"))
        {
            Timeout = TimeSpan.FromMinutes(5),
            TraceId = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            ClientContext = """{"client":{"app_title":"demo"}}""",
            CognitoIdentity = """{"cognitoIdentityId":"us-east-1:1234"}""",
            InvokedFunctionArn = "arn:aws:lambda:eu-west-1:111122223333:function:chat:live",
        };

        var result = await function.InvokeAsync(request);

        Assert.NotNull(seen);
        Assert.Equal(result.RequestId, seen.AwsRequestId);
        Assert.Equal(request.InvokedFunctionArn, seen.InvokedFunctionArn);
        Assert.Equal(request.TraceId, seen.TraceId);
        Assert.Equal(request.ClientContext, seen.ClientContext);
        Assert.Equal(request.CognitoIdentity, seen.CognitoIdentity);
        Assert.Equal(("chat", "7", 512), (seen.FunctionName, seen.FunctionVersion, seen.MemoryLimitInMB));
        Assert.Equal(("/aws/lambda/chat", "2026/11/27/[7]abc"), (seen.LogGroupName, seen.LogStreamName));
        Assert.InRange(seen.Deadline, result.CompletedAt.AddMinutes(4), result.CompletedAt.AddMinutes(5));
    }

    [Fact]
    public async Task Remaining_time_is_the_time_until_the_deadline()
    {
        var clock = new FixedClock(DateTimeOffset.UtcNow);
        TimeSpan? remaining = null;
        DateTimeOffset deadline = default;
        await using var function = await StartAsync(
            registry => registry.MapBuffered("function", (_, context) =>
            {
                deadline = context.Deadline;
                remaining = context.RemainingTime;
                return Task.FromResult(ReadOnlyMemory<byte>.Empty);
            }),
            adjust: options => options.TimeProvider = clock);

        await function.InvokeAsync("{}", timeout: TimeSpan.FromMinutes(10));

        Assert.Equal(deadline - clock.GetUtcNow(), remaining);
        Assert.InRange(remaining!.Value, TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10) + SafetyNet);
    }

    [Fact]
    public void Remaining_time_is_zero_once_the_deadline_has_passed()
    {
        var deadline = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        var context = new LambdaContext("id", "arn", deadline, new ListLogger(), new LambdaFunctionInfo("f", "1", 128, "g", "s"), new FixedClock(deadline.AddSeconds(1)));

        Assert.Equal(TimeSpan.Zero, context.RemainingTime);
    }

    [Fact]
    public async Task Deadline_token_is_cancelled_before_the_deadline_and_the_late_answer_is_still_delivered()
    {
        DateTimeOffset? cancelledAt = null;
        DateTimeOffset deadline = default;
        await using var function = await StartAsync(
            registry => registry.MapBuffered("function", async (_, context) =>
            {
                deadline = context.Deadline;
                try
                {
                    await Task.Delay(Timeout.Infinite, context.CancellationToken);
                }
                catch (OperationCanceledException)
                {
                    cancelledAt = DateTimeOffset.UtcNow;
                }

                return Utf8("partial answer");
            }),
            adjust: options => options.DeadlineSafetyMargin = TimeSpan.FromSeconds(1.5));

        var result = await function.InvokeAsync("{}", timeout: TimeSpan.FromSeconds(3));

        Assert.NotNull(cancelledAt);
        Assert.True(cancelledAt < deadline, $"cancelled at {cancelledAt:O}, deadline {deadline:O}");
        Assert.False(result.IsError);
        Assert.Equal("partial answer", Text(result.Body));
    }

    [Fact]
    public async Task Trace_id_environment_variable_is_set_for_each_invocation_and_cleared_without_one()
    {
        var seen = new List<string?>();
        await using var function = await StartAsync(registry => registry.MapBuffered("function", (_, _) =>
        {
            seen.Add(Environment.GetEnvironmentVariable(LambdaHost.TraceIdEnvironmentVariable));
            return Task.FromResult(ReadOnlyMemory<byte>.Empty);
        }));
        const string first = "Root=1-00000001-000000000000000000000001;Sampled=1";
        const string second = "Root=1-00000002-000000000000000000000002;Sampled=0";

        await function.InvokeAsync("{}", traceId: first);
        await function.InvokeAsync("{}", traceId: second);
        await function.InvokeAsync("{}");

        Assert.Equal([first, second, null], seen);
    }

    [Fact]
    public async Task Log_lines_are_json_objects_carrying_the_request_id()
    {
        await using var function = await StartAsync(registry => registry.MapBuffered("function", (_, context) =>
        {
            context.Logger.LogInformation("thinking");
            context.Logger.LogError("could not cache", new IOException("disk full"));
            return Task.FromResult(ReadOnlyMemory<byte>.Empty);
        }));

        var result = await function.InvokeAsync("{}");

        var lines = function.LogLines();
        var info = Assert.Single(lines, line => line.GetProperty("message").GetString() == "thinking");
        Assert.Equal("INFO", info.GetProperty("level").GetString());
        Assert.Equal(result.RequestId, info.GetProperty("requestId").GetString());
        Assert.EndsWith("Z", info.GetProperty("timestamp").GetString(), StringComparison.Ordinal);
        Assert.True(info.GetProperty("timestamp").TryGetDateTimeOffset(out _));
        var error = Assert.Single(lines, line => line.GetProperty("message").GetString() == "could not cache");
        Assert.Equal("ERROR", error.GetProperty("level").GetString());
        Assert.Equal(result.RequestId, error.GetProperty("requestId").GetString());
        Assert.Equal(nameof(IOException), error.GetProperty("errorType").GetString());
        Assert.Contains(lines, line => line.GetProperty("message").GetString()!.Contains("initialized", StringComparison.Ordinal) && !line.TryGetProperty("requestId", out _));
    }

    [Fact]
    public async Task Log_entries_below_the_configured_level_are_dropped()
    {
        await using var function = await StartAsync(
            registry => registry.MapBuffered("function", (_, context) =>
            {
                context.Logger.LogInformation("chatty");
                context.Logger.LogWarning("worth knowing");
                return Task.FromResult(ReadOnlyMemory<byte>.Empty);
            }),
            environment: new Dictionary<string, string> { ["AWS_LAMBDA_LOG_LEVEL"] = "warn" });

        await function.InvokeAsync("{}");

        var messages = function.LogLines().Select(line => line.GetProperty("message").GetString()).ToList();
        Assert.Contains("worth knowing", messages);
        Assert.DoesNotContain("chatty", messages);
    }

    [Fact]
    public async Task Host_stops_after_max_invocations_with_exit_code_zero()
    {
        await using var function = await StartAsync(
            registry => registry.MapBuffered("function", (payload, _) => Task.FromResult(payload)),
            adjust: options => options.MaxInvocations = 2);

        await function.InvokeAsync("1");
        await function.InvokeAsync("2");

        Assert.Equal(0, await function.Run.WaitAsync(SafetyNet));
    }

    [Fact]
    public async Task Cancelling_the_host_while_it_waits_for_work_exits_cleanly()
    {
        var function = await StartAsync(registry => registry.MapBuffered("function", (payload, _) => Task.FromResult(payload)));
        await using (function)
        {
            await function.InvokeAsync("warm");

            Assert.Equal(0, await function.StopAsync());
        }
    }

    [Fact]
    public void Registering_two_handlers_under_one_name_is_rejected()
    {
        var registry = new LambdaHandlerRegistry();
        registry.MapBuffered("chat", (_, _) => Task.FromResult(ReadOnlyMemory<byte>.Empty));

        var error = Assert.Throws<ArgumentException>(() => registry.MapStreaming("chat", (_, _, _) => Task.CompletedTask));

        Assert.Contains("'chat'", error.Message, StringComparison.Ordinal);
    }

    private sealed class ListLogger : ILambdaLogger
    {
        public void Log(LambdaLogLevel level, string message, Exception? exception = null)
        {
        }
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
