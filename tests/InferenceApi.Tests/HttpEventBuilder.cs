using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReferenceArchitectures.InferenceApi.Tests;

/// <summary>Payload format 2.0 events as API Gateway HTTP APIs and Function URLs deliver them.</summary>
public static class HttpEventBuilder
{
    public static byte[] Post(string body, bool base64 = false, string method = "POST") =>
        Encoding.UTF8.GetBytes(new JsonObject
        {
            ["version"] = "2.0",
            ["routeKey"] = "POST /v1/chat",
            ["rawPath"] = "/v1/chat",
            ["headers"] = new JsonObject { ["content-type"] = "application/json" },
            ["requestContext"] = new JsonObject
            {
                ["requestId"] = Guid.NewGuid().ToString(),
                ["http"] = new JsonObject { ["method"] = method, ["path"] = "/v1/chat" },
            },
            ["body"] = base64 ? Convert.ToBase64String(Encoding.UTF8.GetBytes(body)) : body,
            ["isBase64Encoded"] = base64,
        }.ToJsonString());

    public static byte[] Chat(string prompt) => Post(ChatBody(prompt));

    public static string ChatBody(string prompt, string? extra = null) =>
        $$"""{"messages":[{"role":"user","content":{{JsonSerializer.Serialize(prompt)}}}]{{extra}}}""";
}
