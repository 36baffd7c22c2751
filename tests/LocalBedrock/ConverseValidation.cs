using System.Text.Json;

namespace ReferenceArchitectures.Testing.LocalBedrock;

/// <summary>
/// The request rules Bedrock enforces on Converse and ConverseStream bodies, with the messages Bedrock answers in a
/// 400 ValidationException. Only the rules a client can break by building a conversation are here:
/// <list type="bullet">
/// <item>Blank text: "The text field in the ContentBlock object at messages.N.content.M is blank. Add text to the text
/// field, and try again." Whitespace-only text counts as blank (reported in OpenHands/OpenHands#5339, boto/botocore#3525).</item>
/// <item>Tool blocks need tools declared: "The toolConfig field must be defined when using toolUse and toolResult content
/// blocks." (vercel/ai#7537, langgenius/dify#16421); ToolConfiguration.tools needs at least one member (Bedrock API
/// reference, ToolConfiguration).</item>
/// <item>Roles: the first message is the user's, and user and assistant alternate (Bedrock API reference, Message; the
/// messages as in langgenius/dify#9294).</item>
/// </list>
/// </summary>
internal static class ConverseValidation
{
    /// <returns>Bedrock's message for the first rule the body breaks, or null when it breaks none.</returns>
    public static string? FirstViolation(JsonElement body)
    {
        var messages = body.GetProperty("messages");
        var hasToolBlocks = false;
        string? previousRole = null;
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var role = message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            if (index == 0 && role != "user")
            {
                return "A conversation must start with a user message. Try again with a conversation that starts with a user message.";
            }

            if (role == previousRole)
            {
                return "A conversation must alternate between user and assistant roles. Make sure the conversation alternates "
                    + "between user and assistant roles and try again.";
            }

            if (message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
            {
                var blockIndex = 0;
                foreach (var block in content.EnumerateArray())
                {
                    if (IsBlank(block))
                    {
                        return $"The text field in the ContentBlock object at messages.{index}.content.{blockIndex} is blank. "
                            + "Add text to the text field, and try again.";
                    }

                    hasToolBlocks |= block.TryGetProperty("toolUse", out _) || block.TryGetProperty("toolResult", out _);
                    blockIndex++;
                }
            }

            previousRole = role;
            index++;
        }

        if (body.TryGetProperty("system", out var system) && system.ValueKind == JsonValueKind.Array)
        {
            var systemIndex = 0;
            foreach (var block in system.EnumerateArray())
            {
                if (IsBlank(block))
                {
                    return $"The text field in the SystemContentBlock object at system.{systemIndex} is blank. "
                        + "Add text to the text field, and try again.";
                }

                systemIndex++;
            }
        }

        var toolCount = body.TryGetProperty("toolConfig", out var toolConfig) && toolConfig.TryGetProperty("tools", out var tools)
            && tools.ValueKind == JsonValueKind.Array ? tools.GetArrayLength() : -1;
        if (toolCount == 0)
        {
            return "1 validation error detected: Value '[]' at 'toolConfig.tools' failed to satisfy constraint: "
                + "Member must have length greater than or equal to 1";
        }

        if (hasToolBlocks && toolCount < 0)
        {
            return "The toolConfig field must be defined when using toolUse and toolResult content blocks.";
        }

        return null;
    }

    private static bool IsBlank(JsonElement block) =>
        block.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(text.GetString());
}
