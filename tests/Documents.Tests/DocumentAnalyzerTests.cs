using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ReferenceArchitectures.Documents.Tests;

public class DocumentAnalyzerTests
{
    private static readonly DocumentAnalyzerOptions Options = new() { Categories = ["invoice", "contract", "report"], MaxConcurrency = 3 };

    private static ExtractedText Document(string text, DocumentType type = DocumentType.Text, int? pages = null) => new(type, text, pages);

    private static IReadOnlyList<TextChunk> OneChunk(string text) => TextChunker.Split(text, new ChunkingOptions(Math.Max(2, text.Length)));

    private static IReadOnlyList<TextChunk> Chunks(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new TextChunk(i, i * 10, 10, $"chunk {i:D3}."))];

    [Fact]
    public async Task One_chunk_takes_one_call_that_requires_the_analysis_tool()
    {
        var chat = new ScriptedChatClient((_, _) => Task.FromResult(ScriptedChatClient.Analysis("report")));

        await new DocumentAnalyzer(chat, Options).AnalyzeAsync(Document("Harbour report."), OneChunk("Harbour report."), CancellationToken.None);

        var request = Assert.Single(chat.Requests);
        var tool = Assert.IsAssignableFrom<AIFunctionDeclaration>(Assert.Single(request.Options!.Tools!));
        Assert.Equal(DocumentAnalyzer.AnalysisToolName, tool.Name);
        Assert.Equal(DocumentAnalyzer.AnalysisToolName, Assert.IsType<RequiredChatToolMode>(request.Options.ToolMode).RequiredFunctionName);
        Assert.Contains("Harbour report.", request.Prompt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_tool_schema_limits_the_category_to_the_configured_ones()
    {
        var chat = new ScriptedChatClient((_, _) => Task.FromResult(ScriptedChatClient.Analysis("report")));

        await new DocumentAnalyzer(chat, Options).AnalyzeAsync(Document("x"), OneChunk("x"), CancellationToken.None);

        var schema = ((AIFunctionDeclaration)chat.Requests.Single().Options!.Tools![0]).JsonSchema;
        var categories = schema.GetProperty("properties").GetProperty("category").GetProperty("enum").EnumerateArray().Select(e => e.GetString());
        Assert.Equal(["invoice", "contract", "report"], categories);
        Assert.Equal(["category", "confidence", "entities", "summary"], schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task The_analysis_carries_what_the_model_recorded_and_the_measures_of_the_text()
    {
        var chat = new ScriptedChatClient((_, _) => Task.FromResult(ScriptedChatClient.Analysis(
            "Invoice", 0.8, "An invoice for rope.", """[{"name":"Mara Ellison","type":"person"},{"name":"Karrow","type":"LOCATION"}]""", 120, 30)));

        var analysis = await new DocumentAnalyzer(chat, Options).AnalyzeAsync(Document("Invoice 17 ...", DocumentType.Pdf, 1), OneChunk("Invoice 17 ..."), CancellationToken.None);

        Assert.Equal("invoice", analysis.Category);
        Assert.Equal(0.8, analysis.CategoryConfidence);
        Assert.Equal([new DocumentEntity("Mara Ellison", "person"), new DocumentEntity("Karrow", "location")], analysis.Entities);
        Assert.Equal("An invoice for rope.", analysis.Summary);
        Assert.Equal(DocumentType.Pdf, analysis.DocumentType);
        Assert.Equal(1, analysis.Pages);
        Assert.Equal(1, analysis.ChunkCount);
        Assert.Equal("Invoice 17 ...".Length, analysis.Characters);
        Assert.Equal(new AnalysisUsage(120, 30, 1), analysis.Usage);
        Assert.Equal("test-model", analysis.Model);
    }

    [Fact]
    public async Task A_category_outside_the_list_is_sent_back_once_and_the_corrected_answer_is_used()
    {
        var chat = new ScriptedChatClient((request, _) => Task.FromResult(request.Number == 1
            ? ScriptedChatClient.Analysis("memo", inputTokens: 100, outputTokens: 20)
            : ScriptedChatClient.Analysis("contract", inputTokens: 150, outputTokens: 25)));

        var analysis = await new DocumentAnalyzer(chat, Options).AnalyzeAsync(Document("text"), OneChunk("text"), CancellationToken.None);

        Assert.Equal("contract", analysis.Category);
        Assert.Equal(new AnalysisUsage(250, 45, 2), analysis.Usage);
        var retry = chat.Requests.Last();
        var result = retry.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single();
        Assert.Contains("\"memo\", which is not one of: invoice, contract, report", result.Result as string, StringComparison.Ordinal);
        Assert.Equal(retry.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Single().CallId, result.CallId);
    }

    [Fact]
    public async Task An_invalid_answer_twice_throws_a_named_exception_with_the_problems()
    {
        var chat = new ScriptedChatClient((_, _) => Task.FromResult(ScriptedChatClient.Analysis("memo", entities: """[{"name":"","type":"person"}]""")));

        var error = await Assert.ThrowsAsync<DocumentAnalysisException>(() =>
            new DocumentAnalyzer(chat, Options).AnalyzeAsync(Document("text"), OneChunk("text"), CancellationToken.None));

        Assert.Equal(2, chat.Requests.Count);
        Assert.Contains(error.ValidationErrors, e => e.Contains("\"memo\"", StringComparison.Ordinal));
        Assert.Contains(error.ValidationErrors, e => e.Contains("entities[0].name", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_answer_without_the_tool_call_is_asked_for_again()
    {
        var chat = new ScriptedChatClient((request, _) => Task.FromResult(request.Number == 1
            ? new ChatResponse(new ChatMessage(ChatRole.Assistant, "It looks like a report to me."))
            : ScriptedChatClient.Analysis("report")));

        var analysis = await new DocumentAnalyzer(chat, Options).AnalyzeAsync(Document("text"), OneChunk("text"), CancellationToken.None);

        Assert.Equal("report", analysis.Category);
        Assert.Contains("did not call record_document_analysis", chat.Requests.Last().Prompt, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"category":"report","confidence":1.5,"entities":[],"summary":"s"}""", "\"confidence\" must be a number from 0 to 1")]
    [InlineData("""{"category":"report","confidence":0.5,"summary":"s"}""", "\"entities\" is missing")]
    [InlineData("""{"category":"report","confidence":0.5,"entities":[],"summary":" "}""", "\"summary\" is missing or empty")]
    [InlineData("""{"category":"report","confidence":0.5,"entities":[{"name":"X","type":"planet"}],"summary":"s"}""", "entities[0].type is \"planet\"")]
    [InlineData("""{"category":"report","confidence":0.5,"entities":["X"],"summary":"s"}""", "entities[0] is not an object")]
    [InlineData("""{"confidence":0.5,"entities":[],"summary":"s"}""", "\"category\" is missing")]
    public async Task Malformed_tool_input_is_refused_with_a_precise_problem(string input, string problem)
    {
        var chat = new ScriptedChatClient((_, _) => Task.FromResult(ScriptedChatClient.ToolCall(DocumentAnalyzer.AnalysisToolName, input)));

        var error = await Assert.ThrowsAsync<DocumentAnalysisException>(() =>
            new DocumentAnalyzer(chat, Options).AnalyzeAsync(Document("text"), OneChunk("text"), CancellationToken.None));

        Assert.Contains(error.ValidationErrors, e => e.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Chunks_are_analysed_in_parallel_but_never_more_than_max_concurrency_at_once()
    {
        var inFlight = 0;
        var mostInFlight = 0;
        var limitReached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var chat = new ScriptedChatClient(async (request, ct) =>
        {
            if (request.Options!.Tools![0].Name == DocumentAnalyzer.SummaryToolName)
            {
                return ScriptedChatClient.Summary("All parts.");
            }

            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref mostInFlight, now);
            if (now == Options.MaxConcurrency)
            {
                limitReached.TrySetResult();
            }

            // Every call waits until the limit has been reached once, so the analyzer must have started that many
            // calls together; the timeout only keeps a broken analyzer from hanging the test run.
            await limitReached.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
            Interlocked.Decrement(ref inFlight);
            return ScriptedChatClient.Analysis("report");
        });

        await new DocumentAnalyzer(chat, Options).AnalyzeAsync(Document("t"), Chunks(12), CancellationToken.None);

        Assert.Equal(Options.MaxConcurrency, mostInFlight);
        Assert.Equal(13, chat.Requests.Count);
    }

    [Fact]
    public async Task Usage_is_summed_over_every_chunk_call_the_retries_and_the_summary_call()
    {
        var chat = new ScriptedChatClient((request, _) => Task.FromResult(
            request.Options!.Tools![0].Name == DocumentAnalyzer.SummaryToolName ? ScriptedChatClient.Summary("Whole.", 1000, 100)
            : request.Prompt.Contains("chunk 001", StringComparison.Ordinal) && request.Messages.Count == 1 ? ScriptedChatClient.Analysis("nonsense", inputTokens: 7, outputTokens: 3)
            : ScriptedChatClient.Analysis("report", inputTokens: 10, outputTokens: 2)));

        var analysis = await new DocumentAnalyzer(chat, Options).AnalyzeAsync(Document("t"), Chunks(5), CancellationToken.None);

        // Five chunk calls, one retry of chunk 1, one summary call.
        Assert.Equal(new AnalysisUsage((5 * 10) + 7 + 1000, (5 * 2) + 3 + 100, 7), analysis.Usage);
    }

    [Fact]
    public async Task The_category_with_the_most_summed_confidence_wins_over_a_bare_majority()
    {
        var answers = new Dictionary<string, ChatResponse>
        {
            ["chunk 000"] = ScriptedChatClient.Analysis("invoice", 0.3),
            ["chunk 001"] = ScriptedChatClient.Analysis("invoice", 0.3),
            ["chunk 002"] = ScriptedChatClient.Analysis("contract", 0.9),
        };
        var chat = new ScriptedChatClient((request, _) => Task.FromResult(
            request.Options!.Tools![0].Name == DocumentAnalyzer.SummaryToolName ? ScriptedChatClient.Summary("Whole.")
            : answers.First(a => request.Prompt.Contains(a.Key, StringComparison.Ordinal)).Value));

        var analysis = await new DocumentAnalyzer(chat, Options).AnalyzeAsync(Document("t"), Chunks(3), CancellationToken.None);

        Assert.Equal("contract", analysis.Category);
        Assert.Equal(0.3, analysis.CategoryConfidence);
    }

    [Fact]
    public async Task A_tie_goes_to_more_chunks_and_then_to_the_category_listed_first()
    {
        var answers = new Dictionary<string, ChatResponse>
        {
            ["chunk 000"] = ScriptedChatClient.Analysis("report", 0.5),
            ["chunk 001"] = ScriptedChatClient.Analysis("contract", 0.5),
        };
        var chat = new ScriptedChatClient((request, _) => Task.FromResult(
            request.Options!.Tools![0].Name == DocumentAnalyzer.SummaryToolName ? ScriptedChatClient.Summary("Whole.")
            : answers.First(a => request.Prompt.Contains(a.Key, StringComparison.Ordinal)).Value));

        var analysis = await new DocumentAnalyzer(chat, Options).AnalyzeAsync(Document("t"), Chunks(2), CancellationToken.None);

        Assert.Equal("contract", analysis.Category);
    }

    [Fact]
    public async Task Entities_found_in_several_chunks_are_listed_once_in_order_of_first_appearance()
    {
        var answers = new Dictionary<string, ChatResponse>
        {
            ["chunk 000"] = ScriptedChatClient.Analysis("report", entities: """[{"name":"Karrow","type":"location"},{"name":"Mara  Ellison","type":"person"}]"""),
            ["chunk 001"] = ScriptedChatClient.Analysis("report", entities: """[{"name":"mara ellison","type":"person"},{"name":"Karrow","type":"organization"},{"name":"Tallis Island","type":"location"}]"""),
        };
        var chat = new ScriptedChatClient((request, _) => Task.FromResult(
            request.Options!.Tools![0].Name == DocumentAnalyzer.SummaryToolName ? ScriptedChatClient.Summary("Whole.")
            : answers.First(a => request.Prompt.Contains(a.Key, StringComparison.Ordinal)).Value));

        var analysis = await new DocumentAnalyzer(chat, Options).AnalyzeAsync(Document("t"), Chunks(2), CancellationToken.None);

        Assert.Equal(
            [new("Karrow", "location"), new("Mara  Ellison", "person"), new("Karrow", "organization"), new("Tallis Island", "location")],
            analysis.Entities);
    }

    [Fact]
    public async Task Several_chunks_get_one_summary_written_from_the_chunk_summaries_in_order()
    {
        var chat = new ScriptedChatClient((request, _) => Task.FromResult(
            request.Options!.Tools![0].Name == DocumentAnalyzer.SummaryToolName ? ScriptedChatClient.Summary("The whole story.")
            : ScriptedChatClient.Analysis("report", summary: "Summary of " + request.Prompt.Split('\n')[2])));

        var analysis = await new DocumentAnalyzer(chat, Options).AnalyzeAsync(Document("t"), Chunks(3), CancellationToken.None);

        Assert.Equal("The whole story.", analysis.Summary);
        var summaryRequest = chat.Requests.Single(r => r.Options!.Tools![0].Name == DocumentAnalyzer.SummaryToolName);
        Assert.Equal(DocumentAnalyzer.SummaryToolName, Assert.IsType<RequiredChatToolMode>(summaryRequest.Options!.ToolMode).RequiredFunctionName);
        var prompt = summaryRequest.Prompt;
        var positions = Enumerable.Range(0, 3).Select(i => prompt.IndexOf($"Summary of chunk {i:D3}.", StringComparison.Ordinal)).ToList();
        Assert.All(positions, p => Assert.True(p >= 0));
        Assert.Equal(positions.Order(), positions);
    }

    [Fact]
    public async Task Chunk_summaries_too_long_for_one_call_are_summarised_in_rounds_of_groups()
    {
        var chat = new ScriptedChatClient((request, _) => Task.FromResult(
            request.Options!.Tools![0].Name == DocumentAnalyzer.AnalysisToolName
                ? ScriptedChatClient.Analysis("report", summary: "Summary of " + request.Prompt.Split('\n')[2])
                : ScriptedChatClient.Summary(request.Prompt.Contains("Summary of chunk", StringComparison.Ordinal) ? "A group of parts." : "The whole story.")));
        var options = Options with { MaxSummaryInputCharacters = 60 };

        var analysis = await new DocumentAnalyzer(chat, options).AnalyzeAsync(Document("t"), Chunks(6), CancellationToken.None);

        // Six summaries of 21 characters make three groups of two; their three summaries fit in one last call.
        var summaryPrompts = chat.Requests.Where(r => r.Options!.Tools![0].Name == DocumentAnalyzer.SummaryToolName).Select(r => r.Prompt).ToList();
        Assert.Equal(4, summaryPrompts.Count);
        Assert.Equal(3, summaryPrompts.Count(p => p.Contains("Summary of chunk", StringComparison.Ordinal)));
        Assert.Equal("The whole story.", analysis.Summary);
        Assert.Equal(6 + 4, analysis.Usage.ModelCalls);
    }

    [Fact]
    public async Task A_failing_model_call_surfaces_unchanged_for_the_pipeline_to_retry()
    {
        var chat = new ScriptedChatClient((_, _) => throw new HttpRequestException("throttled"));

        await Assert.ThrowsAsync<HttpRequestException>(() =>
            new DocumentAnalyzer(chat, Options).AnalyzeAsync(Document("t"), Chunks(4), CancellationToken.None));
    }

    [Fact]
    public async Task The_configured_model_and_output_limits_go_with_every_call()
    {
        var chat = new ScriptedChatClient((_, _) => Task.FromResult(ScriptedChatClient.Analysis("report")));
        var options = Options with { ModelId = "amazon.nova-lite-v1:0", MaxOutputTokens = 777, Temperature = 0.1f };

        await new DocumentAnalyzer(chat, options).AnalyzeAsync(Document("t"), OneChunk("t"), CancellationToken.None);

        var sent = chat.Requests.Single().Options!;
        Assert.Equal(("amazon.nova-lite-v1:0", 777, 0.1f), (sent.ModelId, sent.MaxOutputTokens, sent.Temperature));
    }

    [Theory]
    [InlineData(new string[0], "Categories")]
    [InlineData(new[] { "invoice", "Invoice" }, "Categories")]
    [InlineData(new[] { "invoice", " " }, "Categories")]
    public void Bad_categories_are_refused_by_name(string[] categories, string setting)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new DocumentAnalyzer(new ScriptedChatClient((_, _) => throw new InvalidOperationException()), new DocumentAnalyzerOptions { Categories = categories }));

        Assert.Equal(setting, error.ParamName);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
