using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ReferenceArchitectures.Bedrock;
using ReferenceArchitectures.Testing.LocalBedrock;
using ReferenceArchitectures.Tools.StreamChat;

namespace ReferenceArchitectures.InferenceApi.Tests;

/// <summary>
/// stream-chat end to end: the command signs a request, a local stand-in for the Function URL checks the
/// signature and hands the request to the real function process as a payload 2.0 event, and the command prints
/// the function's server-sent events.
/// </summary>
[Collection(StartedFunctions.Name)]
public sealed class StreamChatCommandTests(FunctionFixture function) : IAsyncLifetime
{
    private WebApplication _functionUrl = null!;
    private Uri _url = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _functionUrl = builder.Build();
        var credentials = function.Bedrock.Credentials;
        var verifier = new SigV4Verifier(credentials.AccessKeyId, credentials.SecretAccessKey, "lambda", function.Bedrock.Region);
        _functionUrl.MapPost("/", async (HttpContext context) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var headers = context.Request.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString()));
            var signature = verifier.Verify("POST", "/", headers, body);
            if (!signature.IsValid)
            {
                context.Response.StatusCode = 403;
                await context.Response.WriteAsync(signature.Message);
                return;
            }

            var result = await FunctionFixture.InvokeAsync(function.ConverseStream, HttpEventBuilder.Post(Encoding.UTF8.GetString(body)));
            var answer = HttpAnswer.FromStreamed(result);
            context.Response.StatusCode = answer.Status;
            context.Response.ContentType = answer.Header("content-type");
            await context.Response.WriteAsync(answer.Body);
        });
        await _functionUrl.StartAsync();
        _url = new Uri(_functionUrl.Urls.Single() + "/");
    }

    public async Task DisposeAsync() => await _functionUrl.DisposeAsync();

    [Fact]
    public async Task Stream_chat_signs_the_request_and_prints_the_streamed_tokens()
    {
        function.Bedrock.Enqueue(Behaviour.Text("Tokens printed as they arrive."));

        var (exitCode, output, errors) = await RunAsync("--url", _url.ToString(), "--service", "lambda", "--region", function.Bedrock.Region,
            "--max-tokens", "50", "Say", "something");

        Assert.True(exitCode == 0, errors);
        Assert.Equal("Tokens printed as they arrive.", output.TrimEnd());
        Assert.Contains("stop", errors, StringComparison.Ordinal);
        var sent = JsonNode.Parse(function.Bedrock.Requests[^1].Body!.Value.GetRawText())!;
        Assert.Equal("Say something", (string?)sent["messages"]![0]!["content"]![0]!["text"]);
        Assert.Equal(50, (int?)sent["inferenceConfig"]!["maxTokens"]);
    }

    [Fact]
    public async Task Stream_chat_reports_an_error_answer_with_its_detail_and_a_non_zero_exit()
    {
        function.Bedrock.Enqueue(Behaviour.AccessDenied());

        var (exitCode, _, errors) = await RunAsync("--url", _url.ToString(), "--service", "lambda", "--region", function.Bedrock.Region, "hi");

        Assert.Equal(1, exitCode);
        Assert.Contains("502", errors, StringComparison.Ordinal);
        Assert.Contains("enable access", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_chat_rejects_a_request_signed_with_the_wrong_key()
    {
        var wrong = new StaticAwsCredentialSource(function.Bedrock.Credentials.AccessKeyId, "not-the-secret");

        var (exitCode, _, errors) = await RunAsync(wrong, "--url", _url.ToString(), "--service", "lambda", "--region", function.Bedrock.Region, "hi");

        Assert.Equal(1, exitCode);
        Assert.Contains("403", errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no prompt", "a prompt is required", "--url", "https://abc.lambda-url.us-east-1.on.aws/")]
    [InlineData("no url", "--url", "hello")]
    [InlineData("unknown host", "cannot tell the signing service", "--url", "https://example.com/", "hello")]
    [InlineData("bad temperature", "--temperature must be", "--url", "https://abc.lambda-url.us-east-1.on.aws/", "--temperature", "7", "hi")]
    [InlineData("unknown option", "unknown option --model", "--url", "https://abc.lambda-url.us-east-1.on.aws/", "--model", "x", "hi")]
    public async Task Stream_chat_explains_a_bad_command_line_and_exits_2(string _, string expected, params string[] args)
    {
        var (exitCode, _, errors) = await RunAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, errors, StringComparison.Ordinal);
        Assert.Contains("usage: stream-chat", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_chat_signs_an_embeddings_request_for_the_model_servers_http_api()
    {
        // A stand-in for pattern 2's HTTP API with IAM authorization: it checks the signature as execute-api would.
        var credentials = function.Bedrock.Credentials;
        var verifier = new SigV4Verifier(credentials.AccessKeyId, credentials.SecretAccessKey, "execute-api", "eu-west-1");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var api = builder.Build();
        string? received = null;
        api.MapPost("/v1/embeddings", async (HttpContext context) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var headers = context.Request.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString()));
            var signature = verifier.Verify("POST", "/v1/embeddings", headers, buffer.ToArray());
            if (!signature.IsValid)
            {
                context.Response.StatusCode = 403;
                await context.Response.WriteAsync(signature.Message);
                return;
            }

            received = Encoding.UTF8.GetString(buffer.ToArray());
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,-0.5]}]}""");
        });
        await api.StartAsync();

        var (exitCode, output, errors) = await RunAsync("--embeddings", "--url", api.Urls.Single(), "--service", "execute-api", "--region", "eu-west-1", "a", "sentence");

        Assert.True(exitCode == 0, errors);
        Assert.Equal("a sentence", (string?)JsonNode.Parse(received!)!["input"]);
        Assert.Equal(0.5, (double)JsonNode.Parse(output)!["data"]![0]!["embedding"]![0]!);
    }

    [Theory]
    [InlineData("https://abcdef.lambda-url.eu-west-1.on.aws/", "lambda", "eu-west-1")]
    [InlineData("https://a1b2c3.execute-api.ap-southeast-2.amazonaws.com/v1/chat", "execute-api", "ap-southeast-2")]
    public void Stream_chat_reads_the_signing_service_and_region_from_an_AWS_endpoint(string url, string service, string region)
    {
        var invocation = ChatInvocation.Parse(["--url", url, "hello"]);

        Assert.Equal(service, invocation.Service);
        Assert.Equal(region, invocation.Region);
    }

    private Task<(int ExitCode, string Output, string Errors)> RunAsync(params string[] args)
    {
        var credentials = function.Bedrock.Credentials;
        return RunAsync(new StaticAwsCredentialSource(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken), args);
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(IAwsCredentialSource credentials, params string[] args)
    {
        using var http = new HttpClient();
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var command = new StreamChatCommand(http, new AwsRequestSigner(credentials), output, errors);
        var exitCode = await command.RunAsync(args, CancellationToken.None);
        return (exitCode, output.ToString(), errors.ToString());
    }
}
