using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReferenceArchitectures.Testing.LocalRuntimeApi;

namespace ReferenceArchitectures.EmbeddingsFunction.Tests;

/// <summary>An HTTP answer as the function returned it, read the way API Gateway reads a payload format 2.0 response.</summary>
public sealed record HttpAnswer(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? ContentType => Headers.TryGetValue("content-type", out var value) ? value : null;

    public static HttpAnswer From(InvocationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Assert.False(result.IsError, $"the function reported an invocation error: {Encoding.UTF8.GetString(result.Body)}");
        var root = JsonDocument.Parse(result.Body).RootElement;
        var headers = root.GetProperty("headers").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        return new HttpAnswer(root.GetProperty("statusCode").GetInt32(), headers, root.GetProperty("body").GetString()!);
    }
}

/// <summary>Payload format 2.0 events as an HTTP API delivers them to its integration.</summary>
public static class HttpEvents
{
    public static byte[] Request(string path, string? body, string method = "POST", string? contentType = "application/json", bool base64 = false)
    {
        var headers = new JsonObject();
        if (contentType is not null)
        {
            headers["content-type"] = contentType;
        }

        return Encoding.UTF8.GetBytes(new JsonObject
        {
            ["version"] = "2.0",
            ["routeKey"] = $"{method} {path}",
            ["rawPath"] = path,
            ["headers"] = headers,
            ["requestContext"] = new JsonObject
            {
                ["requestId"] = Guid.NewGuid().ToString(),
                ["http"] = new JsonObject { ["method"] = method, ["path"] = path },
            },
            ["body"] = body is null ? null : base64 ? Convert.ToBase64String(Encoding.UTF8.GetBytes(body)) : body,
            ["isBase64Encoded"] = base64,
        }.ToJsonString());
    }
}
