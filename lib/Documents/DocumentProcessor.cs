using Microsoft.Extensions.AI;

namespace ReferenceArchitectures.Documents;

/// <summary>How a processing path cuts text: for the model, and (heavy path only) for embeddings.</summary>
/// <param name="AnalysisChunking">Chunks sent to the model, one call each.</param>
/// <param name="EmbeddingChunking">Chunks embedded; null embeds nothing. all-MiniLM-L6-v2 reads at most 256 word
/// pieces (its model card says longer input is cut off), about 1,000 characters of English, so these are smaller.</param>
public sealed record ProcessingProfile(ChunkingOptions AnalysisChunking, ChunkingOptions? EmbeddingChunking = null)
{
    /// <summary>
    /// The Lambda path: a document under <see cref="RoutingPolicy.MaxLightCharacters"/> goes to the model in one call
    /// (a PDF whose pages run denser than the routing estimate, in two).
    /// </summary>
    public static ProcessingProfile Light { get; } = new(new ChunkingOptions(120_000));

    /// <summary>
    /// The Fargate path: chunks of about 4,000 tokens analysed in parallel, and every 1,000 characters (with 100 of
    /// overlap, so that a sentence cut at a boundary is whole in one of the two) embedded.
    /// </summary>
    public static ProcessingProfile Heavy { get; } = new(new ChunkingOptions(16_000), new ChunkingOptions(1_000, 100));
}

/// <summary>
/// One document from bytes to analysis: extract, chunk, analyse and, when the profile and the caller ask for it, embed.
/// The light-path Lambda and the heavy-path container each call <see cref="ProcessAsync"/> with their profile.
/// </summary>
public sealed class DocumentProcessor
{
    private readonly DocumentAnalyzer _analyzer;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _embeddingGenerator;

    public DocumentProcessor(IChatClient chatClient, DocumentAnalyzerOptions analyzerOptions, IEmbeddingGenerator<string, Embedding<float>>? embeddingGenerator = null)
    {
        _analyzer = new DocumentAnalyzer(chatClient, analyzerOptions);
        _embeddingGenerator = embeddingGenerator;
    }

    /// <param name="embeddingsOutput">Where the JSON Lines of chunk embeddings go; needs an embedding generator and a
    /// profile with <see cref="ProcessingProfile.EmbeddingChunking"/>.</param>
    /// <exception cref="DocumentUnreadableException">The content cannot be read as <paramref name="type"/>.</exception>
    /// <exception cref="DocumentAnalysisException">The model answered against the schema twice.</exception>
    public async Task<ProcessedDocument> ProcessAsync(DocumentType type, Stream content, ProcessingProfile profile, Stream? embeddingsOutput, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(profile);
        if (embeddingsOutput is not null && (_embeddingGenerator is null || profile.EmbeddingChunking is null))
        {
            throw new ArgumentException("Embeddings need both an embedding generator and a profile with EmbeddingChunking.", nameof(embeddingsOutput));
        }

        var text = await TextExtractor.ExtractAsync(type, content, cancellationToken).ConfigureAwait(false);
        var chunks = TextChunker.Split(text.Text, profile.AnalysisChunking);
        var analysis = await _analyzer.AnalyzeAsync(text, chunks, cancellationToken).ConfigureAwait(false);

        var embedded = 0;
        if (embeddingsOutput is not null)
        {
            var embeddingChunks = TextChunker.Split(text.Text, profile.EmbeddingChunking!);
            embedded = await ChunkEmbeddingWriter.WriteJsonLinesAsync(_embeddingGenerator!, embeddingChunks, embeddingsOutput, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return new ProcessedDocument(analysis, embedded);
    }
}

/// <summary>The analysis, and how many chunk embeddings were written (0 when none were asked for).</summary>
public sealed record ProcessedDocument(DocumentAnalysis Analysis, int EmbeddedChunks);
