using System.Text.Json.Serialization;

namespace ReferenceArchitectures.LambdaRuntime;

// The parts of the payload format 2.0 event that API Gateway HTTP APIs and Lambda Function URLs send,
// and the response shape they expect back. Documented at
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
// and https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html.

public sealed record HttpRequestEvent
{
    [JsonPropertyName("version")] public string? Version { get; init; }
    [JsonPropertyName("rawPath")] public string? RawPath { get; init; }
    [JsonPropertyName("headers")] public Dictionary<string, string>? Headers { get; init; }
    [JsonPropertyName("requestContext")] public HttpRequestContext? RequestContext { get; init; }
    [JsonPropertyName("body")] public string? Body { get; init; }
    [JsonPropertyName("isBase64Encoded")] public bool IsBase64Encoded { get; init; }
}

public sealed record HttpRequestContext
{
    [JsonPropertyName("requestId")] public string? RequestId { get; init; }
    [JsonPropertyName("http")] public HttpDescription? Http { get; init; }
}

public sealed record HttpDescription
{
    [JsonPropertyName("method")] public string? Method { get; init; }
    [JsonPropertyName("path")] public string? Path { get; init; }
}

public sealed record HttpResponseEvent
{
    [JsonPropertyName("statusCode")] public required int StatusCode { get; init; }
    [JsonPropertyName("headers")] public required Dictionary<string, string> Headers { get; init; }
    [JsonPropertyName("body")] public required string Body { get; init; }
    [JsonPropertyName("isBase64Encoded")] public bool IsBase64Encoded { get; init; }
}
