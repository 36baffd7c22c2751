using Microsoft.Extensions.AI;
using ReferenceArchitectures.Documents;
using ReferenceArchitectures.Pipeline;

namespace ReferenceArchitectures.BatchWorker;

/// <summary>
/// The heavy path for one document: the same analysis as the light path, with chunks analysed in parallel, plus an
/// embedding of every chunk written as JSON Lines. The container's entry point and the local state-machine tests
/// both call <see cref="RunAsync"/>.
/// </summary>
public sealed class BatchWorkerJob(
    WorkerSettings settings,
    PipelineAwsClients aws,
    IChatClient chat,
    IEmbeddingGenerator<string, Embedding<float>> embeddings,
    TextWriter log)
{
    // Large documents are spooled to the task's ephemeral storage rather than held in memory.
    private const long MemoryBufferBytes = 64 * 1024 * 1024;

    public async Task<DocumentAnalysis> RunAsync(CancellationToken cancellationToken)
    {
        var document = DocumentReference.Create(settings.DocumentBucket, settings.DocumentKey, settings.DocumentVersionId);
        var objects = new DocumentObjects(aws.S3, settings.OutputBucket);

        await using var content = await objects.OpenAsync(document, MemoryBufferBytes, cancellationToken);
        var inspection = await DocumentInspector.InspectAsync(document.Key, content.ContentType, content.Content, cancellationToken);
        if (inspection.DocumentType is not { } type)
        {
            throw new DocumentUnreadableException(inspection.RejectionReason ?? "The document's type could not be detected.");
        }

        content.Content.Position = 0;
        var processor = new DocumentProcessor(chat, new DocumentAnalyzerOptions
        {
            Categories = settings.Categories,
            ModelId = settings.ModelId,
            MaxConcurrency = settings.MaxParallelCalls,
        }.Validate(), embeddings);

        var spool = Path.GetTempFileName();
        await using var jsonLines = new FileStream(spool, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        var processed = await processor.ProcessAsync(type, content.Content, ProcessingProfile.Heavy, jsonLines, cancellationToken);

        // Embeddings first: the result file is what the Store step looks for, so it is written last.
        await objects.WriteEmbeddingsAsync(document, jsonLines, cancellationToken);
        await objects.WriteResultAsync(document, processed.Analysis, cancellationToken);
        await log.WriteLineAsync(
            $$"""{"level":"INFO","document":"{{document.LedgerKey}}","category":"{{processed.Analysis.Category}}","chunks":{{processed.Analysis.ChunkCount}},"embedded":{{processed.EmbeddedChunks}},"inputTokens":{{processed.Analysis.Usage.InputTokens}},"outputTokens":{{processed.Analysis.Usage.OutputTokens}}}""");
        return processed.Analysis;
    }
}
