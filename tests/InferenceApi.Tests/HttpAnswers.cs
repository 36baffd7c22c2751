using System.Text;
using System.Text.Json;
using ReferenceArchitectures.Testing.LocalRuntimeApi;

namespace ReferenceArchitectures.InferenceApi.Tests;

/// <summary>An HTTP answer as the function returned it, read the way API Gateway or a Function URL reads it.</summary>
public sealed record HttpAnswer(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    /// <summary>Asserts the status, showing the body when it differs, which is where the function says why.</summary>
    public void AssertStatus(int expected)
    {
        if (Status != expected)
        {
            throw new Xunit.Sdk.XunitException($"expected status {expected}, got {Status}: {Body}");
        }
    }

    public string Header(string name) =>
        Headers.TryGetValue(name, out var value) ? value : throw new Xunit.Sdk.XunitException($"no '{name}' header in {string.Join(", ", Headers.Keys)}");

    /// <summary>A buffered answer: the payload format 2.0 response object.</summary>
    public static HttpAnswer FromBuffered(InvocationResult result)
    {
        Assert.False(result.IsError, $"the function reported an invocation error: {Encoding.UTF8.GetString(result.Body)}");
        var root = JsonDocument.Parse(result.Body).RootElement;
        var headers = root.GetProperty("headers").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        return new HttpAnswer(root.GetProperty("statusCode").GetInt32(), headers, root.GetProperty("body").GetString()!);
    }

    /// <summary>A streamed answer: the HTTP-integration prelude, eight NUL bytes, then the body.</summary>
    public static HttpAnswer FromStreamed(InvocationResult result)
    {
        Assert.False(result.IsError, $"the function reported an invocation error: {Encoding.UTF8.GetString(result.Body)}");
        Assert.True(result.Streamed, "the response was not streamed");
        Assert.Equal("application/vnd.awslambda.http-integration-response", result.ContentType);
        var body = result.Body;
        var separator = body.AsSpan().IndexOf(new byte[8]);
        Assert.True(separator > 0, "the streamed response has no prelude separator");
        var prelude = JsonDocument.Parse(body.AsMemory(0, separator)).RootElement;
        var headers = prelude.GetProperty("headers").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        return new HttpAnswer(prelude.GetProperty("statusCode").GetInt32(), headers, Encoding.UTF8.GetString(body.AsSpan(separator + 8)));
    }

    /// <summary>The server-sent events of a streamed body, in order.</summary>
    public IReadOnlyList<(string Name, JsonElement Data)> Events()
    {
        var events = new List<(string, JsonElement)>();
        foreach (var block in Body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            var name = lines.Single(l => l.StartsWith("event: ", StringComparison.Ordinal))["event: ".Length..];
            var data = lines.Single(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..];
            events.Add((name, JsonDocument.Parse(data).RootElement));
        }

        return events;
    }
}
