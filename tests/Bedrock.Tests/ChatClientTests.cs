using System.Text.Json;
using Microsoft.Extensions.AI;
using ReferenceArchitectures.Testing.LocalBedrock;

namespace ReferenceArchitectures.Bedrock.Tests;

public sealed class ChatClientTests : LocalBedrockHarness
{
    [Fact]
    public async Task System_and_user_messages_and_options_map_to_converse()
    {
        using var client = CreateClient();
        ChatMessage[] messages =
        [
            new(ChatRole.System, "Be terse."),
            new(ChatRole.User, "Say hi"),
        ];
        var options = new ChatOptions { MaxOutputTokens = 50, Temperature = 0.2f, TopP = 0.8f, StopSequences = ["STOP"] };

        var response = await client.GetResponseAsync(messages, options);

        Assert.Equal("Say hi", response.Text);
        Assert.Equal(ChatRole.Assistant, response.Messages.Single().Role);
        var body = Server.Requests.Single().Body!.Value;
        Assert.Equal("Be terse.", body.GetProperty("system")[0].GetProperty("text").GetString());
        Assert.Equal(1, body.GetProperty("messages").GetArrayLength());
        Assert.Equal(50, body.GetProperty("inferenceConfig").GetProperty("maxTokens").GetInt32());
        Assert.Equal("STOP", body.GetProperty("inferenceConfig").GetProperty("stopSequences")[0].GetString());
    }

    [Fact]
    public async Task Usage_finish_reason_model_and_raw_response_are_reported()
    {
        Server.Enqueue(Behaviour.Text("one two three", stopReason: "max_tokens"));
        using var client = CreateClient();

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "count to three")]);

        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(3, response.Usage?.InputTokenCount);
        Assert.Equal(3, response.Usage?.OutputTokenCount);
        Assert.Equal(6, response.Usage?.TotalTokenCount);
        Assert.Equal(ModelId, response.ModelId);
        Assert.IsType<ConverseResponse>(response.RawRepresentation);
        Assert.NotNull(response.ResponseId);
    }

    [Fact]
    public async Task Prompt_cache_reads_and_writes_are_reported()
    {
        // TokenUsage.cacheReadInputTokens and cacheWriteInputTokens (Bedrock API reference, TokenUsage).
        Server.Enqueue(Behaviour.CachedText("cached answer", cacheReadInputTokens: 1200, cacheWriteInputTokens: 300));
        using var client = CreateClient();

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]);

        Assert.Equal(1200, response.Usage?.CachedInputTokenCount);
        Assert.Equal(300, response.Usage?.AdditionalCounts?[BedrockChatClient.CacheWriteInputTokensCount]);
    }

    [Fact]
    public async Task Malformed_stop_reasons_are_named_finish_reasons()
    {
        Assert.Equal("malformed_model_output", BedrockChatClient.MalformedModelOutput.Value);
        Assert.Equal("malformed_tool_use", BedrockChatClient.MalformedToolUse.Value);
        Server.Enqueue(Behaviour.Text("{broken", "malformed_tool_use"));
        using var client = CreateClient();

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]);

        Assert.Equal(BedrockChatClient.MalformedToolUse, response.FinishReason);
    }

    [Theory]
    [InlineData("end_turn", "stop")]
    [InlineData("stop_sequence", "stop")]
    [InlineData("max_tokens", "length")]
    [InlineData("tool_use", "tool_calls")]
    [InlineData("guardrail_intervened", "content_filter")]
    [InlineData("content_filtered", "content_filter")]
    // The newer values of stopReason (Bedrock API reference, MessageStopEvent / Converse: StopReason).
    [InlineData("model_context_window_exceeded", "length")]
    [InlineData("malformed_model_output", "malformed_model_output")]
    [InlineData("malformed_tool_use", "malformed_tool_use")]
    public async Task Stop_reasons_map_to_finish_reasons(string stopReason, string finishReason)
    {
        Server.Enqueue(Behaviour.Text("ok", stopReason));
        using var client = CreateClient();

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]);

        Assert.Equal(new ChatFinishReason(finishReason), response.FinishReason);
    }

    [Fact]
    public async Task Model_id_in_chat_options_overrides_the_configured_model()
    {
        using var client = CreateClient();

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { ModelId = "eu.amazon.nova-pro-v1:0" });

        Assert.Equal("eu.amazon.nova-pro-v1:0", Server.Requests.Single().ModelId);
        Assert.Equal("eu.amazon.nova-pro-v1:0", response.ModelId);
    }

    [Fact]
    public async Task Tool_use_reply_becomes_a_function_call_and_its_result_goes_back_as_tool_result()
    {
        Server.Enqueue(Behaviour.ToolUse("get_weather", """{"city":"Oslo","days":2}""", "tool-7", leadingText: "Let me check."));
        using var client = CreateClient();
        var weather = AIFunctionFactory.Create((string city, int days) => $"Sunny in {city} for {days} days", "get_weather", "Current weather");
        var options = new ChatOptions { Tools = [weather], ToolMode = ChatToolMode.RequireSpecific("get_weather") };
        List<ChatMessage> history = [new(ChatRole.User, "Weather in Oslo?")];

        var first = await client.GetResponseAsync(history, options);

        var call = Assert.Single(first.Messages.Single().Contents.OfType<FunctionCallContent>());
        Assert.Equal(("tool-7", "get_weather"), (call.CallId, call.Name));
        Assert.Equal("Oslo", ((JsonElement)call.Arguments!["city"]!).GetString());
        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        Assert.Equal("Let me check.", first.Text);
        var toolConfig = Server.Requests[0].Body!.Value.GetProperty("toolConfig");
        Assert.Equal("get_weather", toolConfig.GetProperty("tools")[0].GetProperty("toolSpec").GetProperty("name").GetString());
        Assert.Equal("object", toolConfig.GetProperty("tools")[0].GetProperty("toolSpec").GetProperty("inputSchema").GetProperty("json").GetProperty("type").GetString());
        Assert.Equal("get_weather", toolConfig.GetProperty("toolChoice").GetProperty("tool").GetProperty("name").GetString());

        history.AddRange(first.Messages);
        history.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent("tool-7", "Sunny in Oslo for 2 days")]));
        Server.Enqueue(Behaviour.Text("It will be sunny."));
        var second = await client.GetResponseAsync(history, options);

        Assert.Equal("It will be sunny.", second.Text);
        var messages = Server.Requests[1].Body!.Value.GetProperty("messages");
        Assert.Equal(3, messages.GetArrayLength());
        var assistantToolUse = messages[1].GetProperty("content").EnumerateArray().Single(b => b.TryGetProperty("toolUse", out _)).GetProperty("toolUse");
        Assert.Equal("tool-7", assistantToolUse.GetProperty("toolUseId").GetString());
        Assert.Equal(2, assistantToolUse.GetProperty("input").GetProperty("days").GetInt32());
        Assert.Equal("user", messages[2].GetProperty("role").GetString());
        var toolResult = messages[2].GetProperty("content")[0].GetProperty("toolResult");
        Assert.Equal("tool-7", toolResult.GetProperty("toolUseId").GetString());
        Assert.Equal("Sunny in Oslo for 2 days", toolResult.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Tool_mode_none_sends_no_tools()
    {
        using var client = CreateClient();
        var tool = AIFunctionFactory.Create(() => "x", "noop");

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { Tools = [tool], ToolMode = ChatToolMode.None });

        Assert.False(Server.Requests.Single().Body!.Value.TryGetProperty("toolConfig", out _));
    }

    public static TheoryData<string, ChatOptions?> OptionsWithoutTools => new()
    {
        { "no options", null },
        { "no tools", new ChatOptions() },
        { "tool mode none", new ChatOptions { Tools = [AIFunctionFactory.Create(() => "x", "noop")], ToolMode = ChatToolMode.None } },
    };

    [Theory]
    [MemberData(nameof(OptionsWithoutTools))]
    public async Task A_conversation_holding_tool_calls_always_sends_a_tool_config(string _, ChatOptions? options)
    {
        // Bedrock rejects toolUse/toolResult blocks without toolConfig: "The toolConfig field must be defined when using
        // toolUse and toolResult content blocks." (ValidationException; e.g. vercel/ai#7537, langgenius/dify#16421), and
        // ToolConfiguration.tools needs at least one tool (Bedrock API reference, ToolConfiguration).
        using var client = CreateClient();
        List<ChatMessage> history =
        [
            new(ChatRole.User, "weather in Oslo?"),
            new(ChatRole.Assistant, [new FunctionCallContent("tool-1", "get_weather", new Dictionary<string, object?> { ["city"] = "Oslo" })]),
            new(ChatRole.Tool, [new FunctionResultContent("tool-1", "Sunny")]),
        ];

        await client.GetResponseAsync(history, options);

        var body = Server.Requests.Single().Body!.Value;
        Assert.True(body.TryGetProperty("toolConfig", out var toolConfig), "toolConfig is required with tool blocks");
        var names = toolConfig.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("toolSpec").GetProperty("name").GetString()).ToList();
        Assert.Contains("get_weather", names);
        Assert.Equal("object", toolConfig.GetProperty("tools")[names.IndexOf("get_weather")].GetProperty("toolSpec").GetProperty("inputSchema").GetProperty("json").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Whitespace_only_text_is_not_sent_because_Bedrock_rejects_blank_text()
    {
        // "The text field in the ContentBlock object at messages.N.content.M is blank" (ValidationException; e.g.
        // OpenHands/OpenHands#5339): Bedrock treats whitespace-only text as blank.
        using var client = CreateClient();
        List<ChatMessage> history =
        [
            new(ChatRole.System, "  "),
            new(ChatRole.User, [new TextContent("hello"), new TextContent(" \n ")]),
            new(ChatRole.Assistant, [new TextContent("\n\n"), new FunctionCallContent("t1", "noop")]),
            new(ChatRole.Tool, [new FunctionResultContent("t1", "done")]),
        ];

        await client.GetResponseAsync(history, new ChatOptions { Tools = [AIFunctionFactory.Create(() => "x", "noop")] });

        var body = Server.Requests.Single().Body!.Value;
        Assert.False(body.TryGetProperty("system", out _));
        var texts = body.GetProperty("messages").EnumerateArray()
            .SelectMany(m => m.GetProperty("content").EnumerateArray())
            .Where(b => b.TryGetProperty("text", out _))
            .Select(b => b.GetProperty("text").GetString())
            .ToList();
        Assert.Equal(["hello"], texts);
    }

    [Fact]
    public async Task Streaming_yields_each_text_delta_in_order_then_finish_reason_and_usage()
    {
        Server.Enqueue(Behaviour.Text("The quick brown fox"));
        using var client = CreateClient();

        var updates = await ToListAsync(client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "animals")]));

        var texts = updates.Select(u => u.Text).Where(t => t.Length > 0).ToList();
        Assert.Equal(["The", " quick", " brown", " fox"], texts);
        var final = updates[^1];
        Assert.Equal(ChatFinishReason.Stop, final.FinishReason);
        var usage = Assert.Single(final.Contents.OfType<UsageContent>()).Details;
        Assert.Equal((1L, 4L, 5L), (usage.InputTokenCount, usage.OutputTokenCount, usage.TotalTokenCount));
        Assert.Equal("converse-stream", Server.Requests.Single().Operation);
        Assert.True(Server.Requests.Single().Signature.IsValid);
    }

    [Fact]
    public async Task Streaming_assembles_tool_input_deltas_into_one_function_call()
    {
        Server.Enqueue(Behaviour.ToolUse("lookup", """{"query":"bedrock pricing","limit":3}""", "tool-9"));
        using var client = CreateClient();

        var updates = await ToListAsync(client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "find it")]));

        var call = Assert.Single(updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
        Assert.Equal(("tool-9", "lookup"), (call.CallId, call.Name));
        Assert.Equal(3, ((JsonElement)call.Arguments!["limit"]!).GetInt32());
        Assert.Equal(ChatFinishReason.ToolCalls, updates[^1].FinishReason);
    }

    [Fact]
    public async Task Raw_stream_events_arrive_in_wire_order()
    {
        Server.Enqueue(Behaviour.Text("a b"));
        using var client = CreateClient();

        var events = await ToListAsync(client.ConverseStreamAsync(UserSays("x")));

        Assert.Collection(events,
            e => Assert.Equal("assistant", Assert.IsType<MessageStartEvent>(e).Role),
            e => Assert.Equal("a", Assert.IsType<ContentBlockDeltaEvent>(e).Delta.Text),
            e => Assert.Equal(" b", Assert.IsType<ContentBlockDeltaEvent>(e).Delta.Text),
            e => Assert.Equal(0, Assert.IsType<ContentBlockStopEvent>(e).ContentBlockIndex),
            e => Assert.Equal(StopReasons.EndTurn, Assert.IsType<MessageStopEvent>(e).StopReason),
            e => Assert.Equal(2, Assert.IsType<MetadataEvent>(e).Usage?.OutputTokens));
    }

    [Fact]
    public void Metadata_names_the_provider_endpoint_and_model()
    {
        using var client = CreateClient();

        var metadata = client.GetService<ChatClientMetadata>();

        Assert.Equal("aws.bedrock", metadata?.ProviderName);
        Assert.Equal(Server.Endpoint, metadata?.ProviderUri);
        Assert.Equal(ModelId, metadata?.DefaultModelId);
        Assert.Same(client, client.GetService<BedrockChatClient>());
    }

    [Fact]
    public async Task A_conversation_without_user_content_is_rejected_before_sending()
    {
        using var client = CreateClient();

        await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.System, "only instructions")]));

        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task Content_that_converse_cannot_carry_is_rejected_with_a_named_exception()
    {
        using var client = CreateClient();
        var image = new DataContent(new byte[] { 1, 2, 3 }, "image/png");

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, [image])]));

        Assert.Contains(nameof(DataContent), error.Message, StringComparison.Ordinal);
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source.WithCancellation(new CancellationTokenSource(SafetyNet).Token))
        {
            list.Add(item);
        }

        return list;
    }
}
