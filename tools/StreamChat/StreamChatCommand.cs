using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReferenceArchitectures.Bedrock;

namespace ReferenceArchitectures.Tools.StreamChat;

/// <summary>
/// Sends one chat request to pattern 1's Function URL (streamed) or HTTP API (one answer), signed with SigV4
/// by the same signer the Bedrock client uses, and prints the tokens as they arrive.
/// </summary>
internal sealed class StreamChatCommand(HttpClient http, AwsRequestSigner signer, TextWriter output, TextWriter errors)
{
    public const string Usage = """
        usage: stream-chat --url URL [--region REGION] [--service lambda|execute-api] [--system TEXT]
                           [--max-tokens N] [--temperature T] PROMPT...
               stream-chat --embeddings --url URL [--region REGION] TEXT...
          URL is the stack's FunctionUrl output (streams tokens) or its ChatEndpoint output (one JSON answer).
          With --embeddings, URL is the ServiceUrl output of pattern 2 or 3 (the IAM-authorized HTTP API); the text is
          sent to URL/v1/embeddings and the JSON answer is printed.
          The region and the signing service are read from the URL when it is an AWS one.
          Credentials come from the standard AWS chain (environment, profile, SSO, instance role).
        """;

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken ct)
    {
        ChatInvocation invocation;
        try
        {
            invocation = ChatInvocation.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await errors.WriteLineAsync($"stream-chat: {ex.Message}");
            await errors.WriteLineAsync(Usage);
            return 2;
        }

        if (invocation.Embeddings)
        {
            return await EmbedAsync(invocation, ct);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, invocation.Url)
        {
            Content = new StringContent(invocation.BodyJson(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        await signer.SignAsync(request, invocation.Service, invocation.Region, ct);

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            await errors.WriteLineAsync($"stream-chat: {(int)response.StatusCode} {response.ReasonPhrase}: {DescribeProblem(body)}");
            return 1;
        }

        return mediaType == "text/event-stream"
            ? await PrintEventsAsync(response, ct)
            : await PrintAnswerAsync(response, ct);
    }

    /// <summary>Pattern 2 or 3 behind its HTTP API: one signed POST to /v1/embeddings, the answer printed as it came.</summary>
    private async Task<int> EmbedAsync(ChatInvocation invocation, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, invocation.EmbeddingsUrl)
        {
            Content = new StringContent(new JsonObject { ["input"] = invocation.Prompt }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        await signer.SignAsync(request, invocation.Service, invocation.Region, ct);
        using var response = await http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            await errors.WriteLineAsync($"stream-chat: {(int)response.StatusCode} {response.ReasonPhrase}: {DescribeProblem(body)}");
            return 1;
        }

        await output.WriteLineAsync(body);
        return 0;
    }

    private async Task<int> PrintEventsAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string? eventName = null;
        var exitCode = 0;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                eventName = line[6..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                var data = JsonNode.Parse(line[5..]);
                switch (eventName)
                {
                    case "delta":
                        await output.WriteAsync((string?)data?["text"]);
                        await output.FlushAsync(ct);
                        break;
                    case "done":
                        await output.WriteLineAsync();
                        await errors.WriteLineAsync($"[{data?["finishReason"]}; tokens {DescribeUsage(data?["usage"])}]");
                        break;
                    case "error":
                        await output.WriteLineAsync();
                        await errors.WriteLineAsync($"stream-chat: the stream ended with an error: {data?["detail"]}");
                        exitCode = 1;
                        break;
                }
            }
        }

        return exitCode;
    }

    private async Task<int> PrintAnswerAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct));
        await output.WriteLineAsync((string?)answer?["message"]?["content"]);
        await errors.WriteLineAsync($"[{answer?["finishReason"]}; tokens {DescribeUsage(answer?["usage"])}]");
        return 0;
    }

    private static string DescribeUsage(JsonNode? usage) =>
        usage is null ? "unknown" : $"in {usage["inputTokens"]}, out {usage["outputTokens"]}";

    private static string DescribeProblem(string body)
    {
        try
        {
            return (string?)JsonNode.Parse(body)?["detail"] ?? body;
        }
        catch (JsonException)
        {
            return body;
        }
    }
}

/// <summary>The command line, checked: where to send what, and how to sign it.</summary>
internal sealed record ChatInvocation(Uri Url, string Region, string Service, string Prompt, string? System, int? MaxTokens, double? Temperature)
{
    /// <summary>Send the text to the model server's embeddings endpoint instead of chatting.</summary>
    public bool Embeddings { get; init; }

    /// <summary>Where <see cref="Embeddings"/> requests go: <c>/v1/embeddings</c> under the URL given.</summary>
    public Uri EmbeddingsUrl => new(Url.AbsoluteUri.TrimEnd('/') + "/v1/embeddings");

    public static ChatInvocation Parse(IReadOnlyList<string> args)
    {
        string? url = null, region = null, service = null, system = null;
        var embeddings = false;
        int? maxTokens = null;
        double? temperature = null;
        var prompt = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--url": url = Value(); break;
                case "--region": region = Value(); break;
                case "--service": service = Value(); break;
                case "--system": system = Value(); break;
                case "--embeddings": embeddings = true; break;
                case "--max-tokens":
                    maxTokens = int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                        ? n : throw new ArgumentException("--max-tokens must be a positive whole number.");
                    break;
                case "--temperature":
                    temperature = double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && t is >= 0 and <= 1
                        ? t : throw new ArgumentException("--temperature must be a number from 0 to 1.");
                    break;
                case var option when option.StartsWith("--", StringComparison.Ordinal):
                    throw new ArgumentException($"unknown option {option}.");
                default: prompt.Add(args[i]); break;
            }
        }

        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new ArgumentException("--url with an absolute URL is required.");
        }

        if (prompt.Count == 0)
        {
            throw new ArgumentException("a prompt is required.");
        }

        var (hostService, hostRegion) = FromHost(uri.Host);
        service ??= hostService ?? throw new ArgumentException($"cannot tell the signing service from {uri.Host}; pass --service.");
        region ??= hostRegion ?? throw new ArgumentException($"cannot tell the region from {uri.Host}; pass --region.");
        return new ChatInvocation(uri, region, service, string.Join(' ', prompt), system, maxTokens, temperature) { Embeddings = embeddings };
    }

    // <id>.lambda-url.<region>.on.aws and <id>.execute-api.<region>.amazonaws.com, as AWS documents the endpoints.
    private static (string? Service, string? Region) FromHost(string host)
    {
        var labels = host.Split('.');
        for (var i = 0; i + 1 < labels.Length; i++)
        {
            if (labels[i] == "lambda-url")
            {
                return ("lambda", labels[i + 1]);
            }

            if (labels[i] == "execute-api")
            {
                return ("execute-api", labels[i + 1]);
            }
        }

        return (null, null);
    }

    public string BodyJson()
    {
        var body = new JsonObject
        {
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = Prompt }),
        };
        if (System is not null)
        {
            body["system"] = System;
        }

        if (MaxTokens is { } max)
        {
            body["maxTokens"] = max;
        }

        if (Temperature is { } temperature)
        {
            body["temperature"] = temperature;
        }

        return body.ToJsonString();
    }
}
