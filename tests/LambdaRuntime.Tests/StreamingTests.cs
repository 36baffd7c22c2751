using System.Text;
using System.Text.Json;
using ReferenceArchitectures.Testing.LocalRuntimeApi;
using static ReferenceArchitectures.LambdaRuntime.Tests.HostedFunction;

namespace ReferenceArchitectures.LambdaRuntime.Tests;

public sealed class StreamingTests
{
    [Fact]
    public async Task First_chunk_reaches_the_runtime_api_while_the_handler_is_still_running()
    {
        // The handler cannot finish until the test has seen its first chunk arrive, so buffering would deadlock
        // (and fail at the safety-net timeout) instead of passing.
        var firstChunkSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var function = await StartAsync(registry => registry.MapStreaming("function", async (_, response, context) =>
        {
            response.ContentType = "text/plain";
            await response.WriteAsync(Utf8("first "), context.CancellationToken);
            await firstChunkSeen.Task.WaitAsync(context.CancellationToken);
            await response.WriteAsync(Utf8("second"), context.CancellationToken);
        }));
        var request = new InvocationRequest(Utf8("{}")) { ChunkReceived = _ => firstChunkSeen.TrySetResult() };

        var result = await function.InvokeAsync(request);

        Assert.False(result.IsError);
        Assert.True(result.Streamed);
        Assert.Equal("first second", Text(result.Body));
        Assert.Equal("first ", Text(result.Chunks[0].Data));
        Assert.True(result.Chunks.Count >= 2);
    }

    [Fact]
    public async Task Streamed_response_carries_the_documented_request_headers()
    {
        await using var function = await StartAsync(registry => registry.MapStreaming("function", async (_, response, context) =>
        {
            response.ContentType = "text/event-stream";
            await response.WriteAsync(Utf8("data: hi\n\n"), context.CancellationToken);
        }));

        var result = await function.InvokeAsync("{}");

        Assert.Equal("text/event-stream", result.ContentType);
        Assert.Equal("streaming", result.Headers["Lambda-Runtime-Function-Response-Mode"]);
        Assert.Equal("chunked", result.Headers["Transfer-Encoding"]);
        Assert.Equal("Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body", result.Headers["Trailer"]);
        Assert.Equal("reference-architectures-runtime/1.0", result.Headers["User-Agent"]);
        Assert.Empty(result.Trailers);
    }

    [Fact]
    public async Task Exception_after_the_stream_started_ends_it_with_the_two_error_trailers()
    {
        await using var function = await StartAsync(registry => registry.MapStreaming("function", async (_, response, context) =>
        {
            await response.WriteAsync(Utf8("partial"), context.CancellationToken);
            throw new TimeoutException("the model stopped answering");
        }));

        var result = await function.InvokeAsync("{}");

        Assert.True(result.IsError);
        Assert.Equal("Runtime.Unknown", result.ErrorType);
        Assert.Equal("partial", Text(result.Body));
        Assert.Equal(nameof(TimeoutException), result.Trailers["Lambda-Runtime-Function-Error-Type"]);
        using var error = JsonDocument.Parse(Convert.FromBase64String(result.Trailers["Lambda-Runtime-Function-Error-Body"]));
        Assert.Equal("the model stopped answering", error.RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal(nameof(TimeoutException), error.RootElement.GetProperty("errorType").GetString());
    }

    [Fact]
    public async Task A_deep_stack_trace_is_capped_in_the_trailer_and_kept_whole_in_the_log()
    {
        await using var function = await StartAsync(registry => registry.MapStreaming("function", async (_, response, context) =>
        {
            await response.WriteAsync(Utf8("partial"), context.CancellationToken);
            FailDeep(120);
        }));

        var result = await function.InvokeAsync("{}");

        // Without the cap the trailers exceed the Runtime API's 4 KB and the error arrives as Runtime.TruncatedResponse.
        Assert.True(result.IsError);
        Assert.Equal("Runtime.Unknown", result.ErrorType);
        Assert.Equal(nameof(InvalidOperationException), result.Trailers["Lambda-Runtime-Function-Error-Type"]);
        var trailerBytes = result.Trailers.Sum(t => t.Key.Length + ": ".Length + t.Value.Length + 2) + 2;
        Assert.InRange(trailerBytes, 1, StreamingResponseRequest.MaxTrailerBytes);
        using var error = JsonDocument.Parse(Convert.FromBase64String(result.Trailers["Lambda-Runtime-Function-Error-Body"]));
        Assert.Equal("failed at depth 0", error.RootElement.GetProperty("errorMessage").GetString());
        var logged = function.LogLines().Single(line => line.GetProperty("level").GetString() == "ERROR");
        Assert.True(logged.GetProperty("stackTrace").GetArrayLength() > 120, "the log keeps every frame");
        Assert.True(error.RootElement.GetProperty("stackTrace").GetArrayLength() < logged.GetProperty("stackTrace").GetArrayLength());
    }

    [Fact]
    public void A_huge_error_message_is_shortened_to_fit_the_trailer_section()
    {
        var report = new LambdaErrorReport(new string('T', 500), new string('m', 10_000) + "\"<>", ["at A.B()"]);

        var trailers = StreamingResponseRequest.Trailers(report);

        Assert.InRange(System.Text.Encoding.ASCII.GetByteCount(trailers), 1, StreamingResponseRequest.MaxTrailerBytes);
        var body = trailers.Split("\r\n")[1]["Lambda-Runtime-Function-Error-Body: ".Length..];
        using var error = JsonDocument.Parse(Convert.FromBase64String(body));
        Assert.StartsWith("mmmm", error.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void FailDeep(int depth)
    {
        if (depth == 0)
        {
            throw new InvalidOperationException("failed at depth 0");
        }

        FailDeep(depth - 1);
    }

    [Fact]
    public async Task Exception_before_the_first_byte_is_an_ordinary_invocation_error()
    {
        await using var function = await StartAsync(registry => registry.MapStreaming("function", (_, _, _) =>
            throw new ArgumentException("prompt is empty")));

        var result = await function.InvokeAsync("{}");

        Assert.True(result.IsError);
        Assert.False(result.Streamed);
        Assert.Equal("Runtime.Unknown", result.ErrorType);
        Assert.Equal("prompt is empty", JsonDocument.Parse(result.Body).RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal(nameof(ArgumentException), JsonDocument.Parse(result.Body).RootElement.GetProperty("errorType").GetString());
    }

    [Fact]
    public async Task Handler_that_writes_nothing_sends_an_empty_streamed_response()
    {
        await using var function = await StartAsync(registry => registry.MapStreaming("function", (_, response, _) =>
        {
            response.ContentType = "application/json";
            return Task.CompletedTask;
        }));

        var result = await function.InvokeAsync("{}");

        Assert.False(result.IsError);
        Assert.True(result.Streamed);
        Assert.Equal("application/json", result.ContentType);
        Assert.Empty(result.Body);
    }

    [Fact]
    public async Task Http_integration_prelude_is_json_then_eight_nul_bytes_then_the_body()
    {
        await using var function = await StartAsync(registry => registry.MapStreaming("function", async (_, response, context) =>
        {
            await HttpResponseStreamPrelude.WriteAsync(
                response,
                201,
                new Dictionary<string, string> { ["Content-Type"] = "text/plain", ["X-Model"] = "nova" },
                ["session=abc; Secure"],
                context.CancellationToken);
            await response.WriteAsync(Utf8("hello"), context.CancellationToken);
        }));

        var result = await function.InvokeAsync("{}");

        var expected = Encoding.UTF8.GetBytes("""{"statusCode":201,"headers":{"Content-Type":"text/plain","X-Model":"nova"},"cookies":["session=abc; Secure"]}""")
            .Concat(new byte[8])
            .Concat(Encoding.UTF8.GetBytes("hello"))
            .ToArray();
        Assert.Equal(expected, result.Body);
        Assert.Equal("application/vnd.awslambda.http-integration-response", result.ContentType);
    }

    [Fact]
    public void Prelude_without_cookies_leaves_the_cookies_member_out()
    {
        var prelude = HttpResponseStreamPrelude.Build(200, new Dictionary<string, string>(), cookies: null);

        Assert.Equal([.. Encoding.UTF8.GetBytes("""{"statusCode":200,"headers":{}}"""), .. new byte[8]], prelude);
    }

    [Fact]
    public async Task Content_type_and_prelude_are_refused_once_the_stream_has_started()
    {
        Exception? contentTypeError = null;
        Exception? preludeError = null;
        await using var function = await StartAsync(registry => registry.MapStreaming("function", async (_, response, context) =>
        {
            await response.WriteAsync(Utf8("x"), context.CancellationToken);
            contentTypeError = Record.Exception(() => response.ContentType = "text/html");
            preludeError = await Record.ExceptionAsync(() => HttpResponseStreamPrelude.WriteAsync(response, 200, new Dictionary<string, string>(), null, context.CancellationToken));
        }));

        var result = await function.InvokeAsync("{}");

        Assert.False(result.IsError);
        Assert.IsType<InvalidOperationException>(contentTypeError);
        Assert.IsType<InvalidOperationException>(preludeError);
    }

    [Fact]
    public async Task Synchronous_writes_are_streamed_too()
    {
        await using var function = await StartAsync(registry => registry.MapStreaming("function", (_, response, _) =>
        {
            using var writer = new StreamWriter(response, leaveOpen: true);
            writer.Write("written synchronously");
            writer.Flush();
            return Task.CompletedTask;
        }));

        var result = await function.InvokeAsync("{}");

        Assert.False(result.IsError);
        Assert.Equal("written synchronously", Text(result.Body));
    }
}
