using System.Globalization;
using System.Net;
using System.Text.Json;
using ReferenceArchitectures.Testing.LocalRuntimeApi;
using static ReferenceArchitectures.LambdaRuntime.Tests.HostedFunction;

namespace ReferenceArchitectures.LambdaRuntime.Tests;

/// <summary>The harness itself, driven with plain HttpClient so that its behaviour does not rest on our runtime client.</summary>
public sealed class LocalRuntimeApiTests : IAsyncLifetime, IDisposable
{
    private LocalRuntimeApi _api = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _api = await LocalRuntimeApi.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri($"http://{_api.Address}/2018-06-01/runtime/"), Timeout = SafetyNet };
    }

    public Task DisposeAsync() => _api.DisposeAsync().AsTask();

    public void Dispose() => _http.Dispose();

    [Fact]
    public void Address_is_a_loopback_host_and_port()
    {
        Assert.Matches(@"^127\.0\.0\.1:\d+$", _api.Address);
    }

    [Fact]
    public async Task Next_hands_out_a_queued_invocation_with_the_documented_headers()
    {
        var invocation = _api.InvokeAsync(Utf8("""{"n":1}"""), TimeSpan.FromMinutes(2), "Root=1-abc");

        using var next = await _http.GetAsync(new Uri("invocation/next", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("""{"n":1}""", await next.Content.ReadAsStringAsync());
        var requestId = Header(next, "Lambda-Runtime-Aws-Request-Id");
        Assert.True(Guid.TryParse(requestId, out _));
        var deadline = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(Header(next, "Lambda-Runtime-Deadline-Ms"), CultureInfo.InvariantCulture));
        Assert.InRange(deadline, DateTimeOffset.UtcNow.AddMinutes(1), DateTimeOffset.UtcNow.AddMinutes(2));
        Assert.StartsWith("arn:aws:lambda:", Header(next, "Lambda-Runtime-Invoked-Function-Arn"), StringComparison.Ordinal);
        Assert.Equal("Root=1-abc", Header(next, "Lambda-Runtime-Trace-Id"));
        Assert.NotNull(_api.FirstNextRequestedAt);

        using var answer = await _http.PostAsync(new Uri($"invocation/{requestId}/response", UriKind.Relative), new StringContent("done"));
        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        var result = await invocation.WaitAsync(SafetyNet);
        Assert.Equal(requestId, result.RequestId);
        Assert.Equal("done", Text(result.Body));
    }

    [Fact]
    public async Task Response_for_an_unknown_request_id_is_rejected_with_400()
    {
        using var answer = await _http.PostAsync(new Uri("invocation/not-a-request/response", UriKind.Relative), new StringContent("{}"));

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        using var error = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        Assert.Equal("InvalidRequestID", error.RootElement.GetProperty("errorType").GetString());
    }

    [Fact]
    public async Task Second_answer_for_the_same_invocation_is_rejected_with_400()
    {
        var invocation = _api.InvokeAsync(Utf8("{}"));
        var requestId = await NextRequestIdAsync();
        using var first = await _http.PostAsync(new Uri($"invocation/{requestId}/response", UriKind.Relative), new StringContent("one"));

        using var second = await _http.PostAsync(new Uri($"invocation/{requestId}/error", UriKind.Relative), new StringContent("{}"));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Equal("one", Text((await invocation.WaitAsync(SafetyNet)).Body));
    }

    [Fact]
    public async Task Unknown_path_gets_404()
    {
        using var response = await _http.GetAsync(new Uri("invocation/somewhere-else", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    // Lambda keeps an error type only if it matches (Runtime|Function)\.[A-Z][a-zA-Z]+ (Go's regexp.MatchString, so
    // anywhere in the value); otherwise Function.* becomes Function.Unknown and anything else Runtime.Unknown
    // (aws-lambda-runtime-interface-emulator, internal/lambda/fatalerror/fatalerror.go, GetValidRuntimeOrFunctionErrorType).
    [InlineData("Boom", "Runtime.Unknown")]
    [InlineData("InvalidOperationException", "Runtime.Unknown")]
    [InlineData("Function.Oops", "Function.Oops")]
    [InlineData("Function.oops", "Function.Unknown")]
    [InlineData("Runtime.HandlerNotFound", "Runtime.HandlerNotFound")]
    public async Task Error_report_completes_the_invocation_with_its_error_type_normalised_as_Lambda_does(string sent, string recorded)
    {
        var invocation = _api.InvokeAsync(Utf8("{}"));
        var requestId = await NextRequestIdAsync();
        using var content = new StringContent($$"""{"errorMessage":"boom","errorType":"{{sent}}","stackTrace":[]}""");
        content.Headers.Add("Lambda-Runtime-Function-Error-Type", sent);

        using var answer = await _http.PostAsync(new Uri($"invocation/{requestId}/error", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        var result = await invocation.WaitAsync(SafetyNet);
        Assert.True(result.IsError);
        Assert.Equal(recorded, result.ErrorType);
        Assert.Equal(sent, JsonDocument.Parse(result.Body).RootElement.GetProperty("errorType").GetString());
    }

    [Fact]
    public async Task Buffered_response_over_6_MB_gets_413_and_fails_the_invocation()
    {
        var invocation = _api.InvokeAsync(Utf8("{}"));
        var requestId = await NextRequestIdAsync();

        using var answer = await _http.PostAsync(new Uri($"invocation/{requestId}/response", UriKind.Relative), new ByteArrayContent(new byte[LocalRuntimeApi.BufferedResponseLimitBytes + 1]));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.StatusCode);
        var result = await invocation.WaitAsync(SafetyNet);
        Assert.True(result.IsError);
        Assert.Equal("Function.ResponseSizeTooLarge", result.ErrorType);
    }

    [Fact]
    public async Task Init_error_is_accepted_and_reported()
    {
        using var content = new StringContent("""{"errorMessage":"bad config","errorType":"Config","stackTrace":[]}""");
        content.Headers.Add("Lambda-Runtime-Function-Error-Type", "Runtime.Config");

        using var answer = await _http.PostAsync(new Uri("init/error", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        var report = await _api.InitError.WaitAsync(SafetyNet);
        Assert.Equal("Runtime.Config", report.ErrorType);
        Assert.Contains("bad config", report.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invocation_nobody_answers_fails_with_a_timeout_naming_its_request_id()
    {
        // The runtime is already waiting on /next when the invocation comes, and the timeout leaves it seconds to get
        // there: an invocation that times out before delivery is never delivered (as in Lambda), and a test that asked
        // for /next after a 300 ms timeout hung under CPU contention.
        var next = NextRequestIdAsync();
        var invocation = _api.InvokeAsync(Utf8("{}"), TimeSpan.FromSeconds(2));
        var requestId = await next.WaitAsync(SafetyNet);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => invocation.WaitAsync(SafetyNet));

        Assert.Contains(requestId, error.Message, StringComparison.Ordinal);
        using var late = await _http.PostAsync(new Uri($"invocation/{requestId}/response", UriKind.Relative), new StringContent("too late"));
        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);
    }

    [Fact]
    public async Task Invalid_timeout_is_rejected()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _api.InvokeAsync(Utf8("{}"), TimeSpan.Zero));
    }

    [Theory]
    [InlineData(4096, false)]
    [InlineData(4097, true)]
    public async Task Streamed_trailers_over_4_KB_truncate_the_response_and_lose_the_error(int trailerBytes, bool truncated)
    {
        // The Runtime API is Go: net/http reads a trailer only if its closing CRLF CRLF lies within the connection's
        // 4096-byte bufio buffer, else "http: suspiciously long trailer after chunked body"
        // (golang/go src/net/http/transfer.go, body.readTrailer); the copy then fails as Runtime.TruncatedResponse and
        // the caller gets 400 TruncatedHTTPRequest (aws-lambda-runtime-interface-emulator, internal/lambda/core/directinvoke).
        var invocation = _api.InvokeAsync(Utf8("{}"));
        var requestId = await NextRequestIdAsync();
        const string typeLine = "Lambda-Runtime-Function-Error-Type: Function.Failed\r\n";
        const string bodyName = "Lambda-Runtime-Function-Error-Body: ";
        var padding = trailerBytes - typeLine.Length - bodyName.Length - "\r\n\r\n".Length;
        var trailers = typeLine + bodyName + new string('A', padding) + "\r\n\r\n";
        Assert.Equal(trailerBytes, trailers.Length);

        var status = await SendStreamedAsync(requestId, "7\r\npartial\r\n0\r\n" + trailers);

        var result = await invocation.WaitAsync(SafetyNet);
        Assert.True(result.IsError);
        Assert.Equal(truncated ? 400 : 202, status);
        Assert.Equal(truncated ? "Runtime.TruncatedResponse" : "Function.Failed", result.ErrorType);
        Assert.Equal(!truncated, result.Trailers.ContainsKey("Lambda-Runtime-Function-Error-Body"));
    }

    /// <summary>HttpClient cannot send request trailers, so the streamed response goes over a raw socket.</summary>
    private async Task<int> SendStreamedAsync(string requestId, string chunkedBody)
    {
        var host = _api.Address.Split(':');
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(host[0], int.Parse(host[1], CultureInfo.InvariantCulture));
        await using var stream = tcp.GetStream();
        var request =
            $"POST /2018-06-01/runtime/invocation/{requestId}/response HTTP/1.1\r\nHost: {_api.Address}\r\n" +
            "Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n" +
            "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\nConnection: close\r\n\r\n" + chunkedBody;
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream);
        var statusLine = await reader.ReadLineAsync().WaitAsync(SafetyNet);
        return int.Parse(statusLine!.Split(' ')[1], CultureInfo.InvariantCulture);
    }

    private async Task<string> NextRequestIdAsync()
    {
        using var next = await _http.GetAsync(new Uri("invocation/next", UriKind.Relative));
        next.EnsureSuccessStatusCode();
        return Header(next, "Lambda-Runtime-Aws-Request-Id");
    }

    private static string Header(HttpResponseMessage response, string name) => response.Headers.GetValues(name).Single();
}
