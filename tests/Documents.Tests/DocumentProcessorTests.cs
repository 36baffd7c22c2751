using System.Text;

using ReferenceArchitectures.Testing.DocumentCorpus;

namespace ReferenceArchitectures.Documents.Tests;

/// <summary>The corpus through both profiles, from bytes to analysis, with a scripted model.</summary>
public class DocumentProcessorTests
{
    private static readonly DocumentAnalyzerOptions Options = new() { Categories = ["report", "other"], MaxConcurrency = 4 };

    private static ScriptedChatClient Model() => new((request, _) => Task.FromResult(
        request.Options!.Tools![0].Name == DocumentAnalyzer.SummaryToolName
            ? ScriptedChatClient.Summary("Karrow harbour, in full.")
            : ScriptedChatClient.Analysis("report", 0.9, "Part of the harbour notes.", """[{"name":"Karrow","type":"location"}]""")));

    public static TheoryData<string, DocumentType> SmallDocuments => new()
    {
        { "notes.txt", DocumentType.Text },
        { "notes.md", DocumentType.Markdown },
        { "notes.html", DocumentType.Html },
        { "notes.pdf", DocumentType.Pdf },
        { "notes.docx", DocumentType.Docx },
    };

    private static byte[] Make(DocumentType type, int characters) =>
        type switch
        {
            DocumentType.Text => Corpus.Utf8(Prose.Text(characters)),
            DocumentType.Markdown => Corpus.Markdown(Prose.Paragraphs(characters)),
            DocumentType.Html => Corpus.Html(Prose.Paragraphs(characters)),
            DocumentType.Pdf => Corpus.Pdf(pages: Math.Max(1, characters / 4_000)),
            DocumentType.Docx => Corpus.Docx(Prose.Paragraphs(characters)),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };

    [Theory]
    [MemberData(nameof(SmallDocuments))]
    public async Task A_small_document_of_each_type_goes_light_and_is_analysed_in_one_call(string key, DocumentType type)
    {
        var content = Make(type, 6_000);
        var inspection = await DocumentInspector.InspectAsync(key, null, new MemoryStream(content), CancellationToken.None);
        var chat = Model();

        var result = await new DocumentProcessor(chat, Options).ProcessAsync(type, new MemoryStream(content), ProcessingProfile.Light, null, CancellationToken.None);

        Assert.Equal(type, inspection.DocumentType);
        Assert.Equal(ProcessingPath.Light, RoutingPolicy.Default.Route(inspection).Path);
        Assert.Equal(1, result.Analysis.ChunkCount);
        Assert.Single(chat.Requests);
        Assert.Contains("Fog lay over the eastern quay", Prose.Flatten(chat.Requests.Single().Prompt), StringComparison.Ordinal);
        Assert.Equal("Part of the harbour notes.", result.Analysis.Summary);
        Assert.Equal(0, result.EmbeddedChunks);
    }

    [Theory]
    [MemberData(nameof(SmallDocuments))]
    public async Task A_large_document_of_each_type_goes_heavy_is_analysed_in_parallel_chunks_and_embedded(string key, DocumentType type)
    {
        var content = Make(type, 200_000);
        var inspection = await DocumentInspector.InspectAsync(key, null, new MemoryStream(content), CancellationToken.None);
        var chat = Model();
        using var embeddings = new MemoryStream();
        var processor = new DocumentProcessor(chat, Options, new ChunkEmbeddingWriterTests.LengthEmbeddingGenerator());

        var result = await processor.ProcessAsync(type, new MemoryStream(content), ProcessingProfile.Heavy, embeddings, CancellationToken.None);

        // The deployed thresholds are in the megabytes; a policy scaled down to the test's 200,000 characters keeps it quick.
        var scaled = RoutingPolicy.Default with { MaxLightBytes = 100_000, MaxLightPdfPages = 20, MaxLightCharacters = 100_000 };
        Assert.Equal(ProcessingPath.Heavy, scaled.Route(inspection).Path);
        var analysis = result.Analysis;
        Assert.True(analysis.ChunkCount > 1, $"{analysis.ChunkCount} chunk(s)");
        Assert.Equal(analysis.ChunkCount + 1, chat.Requests.Count);
        Assert.Equal("Karrow harbour, in full.", analysis.Summary);
        Assert.Equal([new DocumentEntity("Karrow", "location")], analysis.Entities);
        Assert.Equal(analysis.ChunkCount + 1, analysis.Usage.ModelCalls);
        var lines = Encoding.UTF8.GetString(embeddings.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(result.EmbeddedChunks, lines.Length);
        Assert.True(result.EmbeddedChunks >= analysis.Characters / 1_000, $"{result.EmbeddedChunks} embeddings for {analysis.Characters} characters");
    }

    [Fact]
    public async Task A_corrupt_pdf_that_passed_inspection_fails_extraction_with_a_recorded_reason_and_no_model_call()
    {
        var chat = Model();
        var pdf = Corpus.Pdf(pages: 3);

        var error = await Assert.ThrowsAsync<DocumentUnreadableException>(() =>
            new DocumentProcessor(chat, Options).ProcessAsync(DocumentType.Pdf, new MemoryStream(pdf[..40]), ProcessingProfile.Light, null, CancellationToken.None));

        Assert.False(string.IsNullOrWhiteSpace(error.Reason));
        Assert.Empty(chat.Requests);
    }

    [Fact]
    public async Task Asking_for_embeddings_without_a_generator_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() =>
            new DocumentProcessor(Model(), Options).ProcessAsync(DocumentType.Text, new MemoryStream(Corpus.Utf8("x")), ProcessingProfile.Heavy, new MemoryStream(), CancellationToken.None));
    }
}
