using System.Text.Json;

namespace ReferenceArchitectures.Testing.LocalBedrock;

/// <summary>A request the local endpoint received, for assertions.</summary>
/// <param name="RawTarget">Path and query exactly as received, still percent-encoded.</param>
/// <param name="ModelId">The decoded <c>{modelId}</c> path segment, or null when the path is not a Converse route.</param>
/// <param name="Operation"><c>converse</c> or <c>converse-stream</c>, or null when the path is not a Converse route.</param>
/// <param name="Body">The parsed JSON body, or null when it is not JSON.</param>
/// <param name="Headers">Header values by name (case-insensitive); repeated headers joined with ','.</param>
public sealed record RecordedRequest(
    string Method,
    string RawTarget,
    string? ModelId,
    string? Operation,
    JsonElement? Body,
    IReadOnlyDictionary<string, string> Headers,
    SigV4Verification Signature)
{
    /// <summary>The access key id of the Authorization header's <c>Credential=</c>, or null when there is none.</summary>
    public string? AccessKeyId
    {
        get
        {
            var authorization = Headers.GetValueOrDefault("Authorization") ?? "";
            var at = authorization.IndexOf("Credential=", StringComparison.Ordinal);
            var slash = at < 0 ? -1 : authorization.IndexOf('/', at);
            return slash < 0 ? null : authorization[(at + "Credential=".Length)..slash];
        }
    }

    /// <summary>
    /// The action IAM authorizes for the call: Converse needs <c>bedrock:InvokeModel</c> and ConverseStream
    /// <c>bedrock:InvokeModelWithResponseStream</c> (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html,
    /// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html).
    /// </summary>
    public string? IamAction => Operation switch
    {
        "converse" => "bedrock:InvokeModel",
        "converse-stream" => "bedrock:InvokeModelWithResponseStream",
        _ => null,
    };

    /// <summary>Text of the last message with role <c>user</c>, its text blocks joined with a space.</summary>
    public string? LastUserText
    {
        get
        {
            if (Body is not { ValueKind: JsonValueKind.Object } body || !body.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var lastUser = messages.EnumerateArray()
                .LastOrDefault(m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("role", out var role) && role.ValueEquals("user"));
            if (lastUser.ValueKind != JsonValueKind.Object || !lastUser.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var texts = content.EnumerateArray()
                .Where(b => b.ValueKind == JsonValueKind.Object && b.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                .Select(b => b.GetProperty("text").GetString())
                .ToList();
            return texts.Count == 0 ? null : string.Join(" ", texts);
        }
    }
}
