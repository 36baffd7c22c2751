using System.Net;
using System.Text.Json;

namespace ReferenceArchitectures.Bedrock.Tests;

/// <summary>
/// The local Bedrock rejects what Bedrock rejects, so a client change that builds such a request fails a test here
/// rather than in an account. The requests go through <see cref="BedrockChatClient.ConverseAsync"/>, which sends the
/// wire contract as given.
/// </summary>
public sealed class LocalBedrockValidationTests : LocalBedrockHarness
{
    private static readonly JsonElement Input = JsonDocument.Parse("""{"city":"Oslo"}""").RootElement.Clone();

    public static TheoryData<string, ConverseRequest, string> RejectedRequests => new()
    {
        {
            "whitespace-only text",
            new ConverseRequest { Messages = [new Message(ConversationRole.User, [ContentBlock.FromText("hi"), ContentBlock.FromText(" \n ")])] },
            "The text field in the ContentBlock object at messages.0.content.1 is blank"
        },
        {
            "whitespace-only system text",
            new ConverseRequest { Messages = [User("hi")], System = [new SystemContentBlock("  ")] },
            "The text field in the SystemContentBlock object at system.0 is blank"
        },
        {
            "tool use without toolConfig",
            new ConverseRequest
            {
                Messages =
                [
                    User("weather?"),
                    new Message(ConversationRole.Assistant, [new ContentBlock { ToolUse = new ToolUseBlock("t1", "get_weather", Input) }]),
                    new Message(ConversationRole.User, [new ContentBlock { ToolResult = new ToolResultBlock("t1", [new ToolResultContentBlock { Text = "sunny" }]) }]),
                ],
            },
            "The toolConfig field must be defined when using toolUse and toolResult content blocks."
        },
        {
            "first message from the assistant",
            new ConverseRequest { Messages = [new Message(ConversationRole.Assistant, [ContentBlock.FromText("hello")]), User("hi")] },
            "A conversation must start with a user message."
        },
        {
            "two user messages in a row",
            new ConverseRequest { Messages = [User("hi"), User("again")] },
            "A conversation must alternate between user and assistant roles."
        },
    };

    [Theory]
    [MemberData(nameof(RejectedRequests))]
    public async Task Local_Bedrock_rejects_what_Bedrock_rejects(string _, ConverseRequest request, string expectedMessage)
    {
        using var client = CreateClient();

        var error = await Assert.ThrowsAsync<BedrockException>(() => client.ConverseAsync(request));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal("ValidationException", error.ErrorCode);
        Assert.StartsWith(expectedMessage, error.ServiceMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tool_conversation_with_toolConfig_and_alternating_roles_is_accepted()
    {
        using var client = CreateClient();
        var schema = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone();
        var request = new ConverseRequest
        {
            Messages =
            [
                User("weather?"),
                new Message(ConversationRole.Assistant, [new ContentBlock { ToolUse = new ToolUseBlock("t1", "get_weather", Input) }]),
                new Message(ConversationRole.User, [new ContentBlock { ToolResult = new ToolResultBlock("t1", [new ToolResultContentBlock { Text = "sunny" }]) }]),
            ],
            ToolConfig = new ToolConfiguration([new Tool(new ToolSpecification("get_weather", new ToolInputSchema(schema)))]),
        };

        var response = await client.ConverseAsync(request);

        Assert.Equal(StopReasons.EndTurn, response.StopReason);
    }

    private static Message User(string text) => new(ConversationRole.User, [ContentBlock.FromText(text)]);
}
