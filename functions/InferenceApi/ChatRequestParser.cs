using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ReferenceArchitectures.LambdaRuntime;

namespace ReferenceArchitectures.Functions.InferenceApi;

/// <summary>A chat request that names what is wrong with it; answered with 400 and a problem document.</summary>
public sealed class InvalidChatRequestException(string detail) : Exception(detail);

/// <summary>A validated chat request, ready for an <see cref="IChatClient"/>.</summary>
public sealed record ChatCall(IReadOnlyList<ChatMessage> Messages, ChatOptions Options);

/// <summary>
/// Reads the body of <c>POST /v1/chat</c>:
/// <c>{"messages":[{"role":"user","content":"..."}], "system":"...", "maxTokens":512, "temperature":0.5, "topP":0.9}</c>.
/// Parsed by hand from a <see cref="JsonDocument"/> so that every error names the offending field
/// in the caller's terms, never a .NET type.
/// </summary>
public static class ChatRequestParser
{
    // Converse's documented ranges: temperature and topP are probabilities; maxTokens is capped per model by
    // Bedrock itself, so the bound here only rejects values no model accepts.
    public const int MaxTokensLimit = 100_000;
    public const int MaxMessages = 100;

    private static readonly HashSet<string> KnownFields = ["messages", "system", "maxTokens", "temperature", "topP"];

    public static ChatCall Parse(HttpRequestEvent request, int maxPromptCharacters)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = DecodeBody(request);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new InvalidChatRequestException(DescribeMalformedJson(body, ex));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidChatRequestException("The request body must be a JSON object.");
            }

            foreach (var property in root.EnumerateObject())
            {
                if (!KnownFields.Contains(property.Name))
                {
                    throw new InvalidChatRequestException(
                        $"Unknown field '{property.Name}'. Known fields: messages, system, maxTokens, temperature, topP.");
                }
            }

            var messages = ReadMessages(root);
            var system = ReadOptionalString(root, "system");
            var promptLength = messages.Sum(m => m.Text.Length) + (system?.Length ?? 0);
            if (promptLength > maxPromptCharacters)
            {
                throw new InvalidChatRequestException(
                    $"The prompt has {promptLength} characters; this API accepts at most {maxPromptCharacters}.");
            }

            if (system is not null)
            {
                messages.Insert(0, new ChatMessage(ChatRole.System, system));
            }

            var options = new ChatOptions
            {
                MaxOutputTokens = ReadOptionalInt(root, "maxTokens", 1, MaxTokensLimit),
                Temperature = ReadOptionalProbability(root, "temperature"),
                TopP = ReadOptionalProbability(root, "topP"),
            };
            return new ChatCall(messages, options);
        }
    }

    /// <summary>
    /// Where the JSON breaks, in the caller's terms. The exception's own message is no use here: the function is
    /// built with UseSystemResourceKeys (smaller Native AOT binary), which turns it into a resource key such as
    /// "ZeroDepthAtEnd, LineNumber: 0 | BytePositionInLine: 44.".
    /// </summary>
    private static string DescribeMalformedJson(string body, JsonException error)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var lineStart = 0;
        for (var line = 0L; line < (error.LineNumber ?? 0) && lineStart < bytes.Length; line++)
        {
            var next = Array.IndexOf(bytes, (byte)'\n', lineStart);
            lineStart = next < 0 ? bytes.Length : next + 1;
        }

        var offset = (int)Math.Min(bytes.Length, lineStart + (error.BytePositionInLine ?? 0));
        if (bytes.AsSpan(offset).Trim(" \t\r\n"u8).IsEmpty)
        {
            return "The request body is not valid JSON: it ends before the JSON is complete (a closing '}', ']' or '\"' is missing).";
        }

        // Columns count characters, as an editor does, not UTF-8 bytes.
        var column = Encoding.UTF8.GetCharCount(bytes, lineStart, offset - lineStart) + 1;
        System.Text.Rune.DecodeFromUtf8(bytes.AsSpan(offset), out var found, out _);
        return $"The request body is not valid JSON: unexpected '{found}' "
            + $"at line {(error.LineNumber ?? 0) + 1}, column {column}.";
    }

    private static string DecodeBody(HttpRequestEvent request)
    {
        if (string.IsNullOrEmpty(request.Body))
        {
            throw new InvalidChatRequestException("The request has no body; send a JSON object with 'messages'.");
        }

        if (!request.IsBase64Encoded)
        {
            return request.Body;
        }

        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(request.Body));
        }
        catch (FormatException)
        {
            throw new InvalidChatRequestException("The request body is marked base64-encoded but is not valid base64.");
        }
    }

    private static List<ChatMessage> ReadMessages(JsonElement root)
    {
        if (!root.TryGetProperty("messages", out var array) || array.ValueKind == JsonValueKind.Null)
        {
            throw new InvalidChatRequestException("'messages' is required: an array of {\"role\", \"content\"} objects.");
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidChatRequestException("'messages' must be an array.");
        }

        var count = array.GetArrayLength();
        if (count == 0)
        {
            throw new InvalidChatRequestException("'messages' must hold at least one message.");
        }

        if (count > MaxMessages)
        {
            throw new InvalidChatRequestException($"'messages' holds {count} messages; at most {MaxMessages} are accepted.");
        }

        var messages = new List<ChatMessage>(count + 1);
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            var path = $"messages[{index}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidChatRequestException($"'{path}' must be an object with 'role' and 'content'.");
            }

            var role = ReadRequiredString(item, "role", path);
            var chatRole = role switch
            {
                "user" => ChatRole.User,
                "assistant" => ChatRole.Assistant,
                _ => throw new InvalidChatRequestException(
                    $"'{path}.role' is '{role}'; it must be 'user' or 'assistant' (put instructions in 'system')."),
            };
            if (index == 0 && chatRole != ChatRole.User)
            {
                throw new InvalidChatRequestException("The first message must have the role 'user'.");
            }

            var content = ReadRequiredString(item, "content", path);
            if (string.IsNullOrWhiteSpace(content))
            {
                throw new InvalidChatRequestException($"'{path}.content' must not be empty.");
            }

            messages.Add(new ChatMessage(chatRole, content));
            index++;
        }

        return messages;
    }

    private static string ReadRequiredString(JsonElement item, string name, string path)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw new InvalidChatRequestException($"'{path}.{name}' is required.");
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new InvalidChatRequestException($"'{path}.{name}' must be a string.");
    }

    private static string? ReadOptionalString(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new InvalidChatRequestException($"'{name}' must be a string.");
        }

        var text = value.GetString()!;
        return string.IsNullOrWhiteSpace(text)
            ? throw new InvalidChatRequestException($"'{name}' must not be empty when given.")
            : text;
    }

    private static int? ReadOptionalInt(JsonElement root, string name, int min, int max)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            throw new InvalidChatRequestException($"'{name}' must be a whole number from {min} to {max}.");
        }

        return number >= min && number <= max
            ? number
            : throw new InvalidChatRequestException($"'{name}' is {number}; it must be from {min} to {max}.");
    }

    private static float? ReadOptionalProbability(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number))
        {
            throw new InvalidChatRequestException($"'{name}' must be a number from 0 to 1.");
        }

        return number is >= 0 and <= 1
            ? (float)number
            : throw new InvalidChatRequestException(
                $"'{name}' is {number.ToString(System.Globalization.CultureInfo.InvariantCulture)}; it must be from 0 to 1.");
    }
}
