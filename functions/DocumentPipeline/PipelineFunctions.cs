using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;
using ReferenceArchitectures.Bedrock;
using ReferenceArchitectures.Documents;
using ReferenceArchitectures.LambdaRuntime;
using ReferenceArchitectures.Pipeline;

namespace ReferenceArchitectures.Functions.DocumentPipeline;

/// <summary>
/// The four Lambda steps of pattern 4, as thin adapters over the document library and the pipeline's storage.
/// These methods are the functions' entry points: the runtime host calls them in Lambda, the local state-machine
/// tests call the very same methods.
/// </summary>
public sealed class PipelineFunctions(PipelineSettings settings, PipelineAwsClients aws, IChatClient chat, TimeProvider? timeProvider = null, IStepFunctions? stepFunctions = null)
{
    public const string PreprocessHandler = "preprocess";
    public const string AnalyzeHandler = "analyze";
    public const string StoreHandler = "store";
    public const string RecordFailureHandler = "record-failure";
    public const string StartExecutionsHandler = "start-executions";

    /// <summary>How long a received upload stays hidden while its execution is started.</summary>
    public static readonly TimeSpan UploadVisibilityTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a slot may be held by a name with no execution before <c>start-executions</c> takes it back.</summary>
    public static readonly TimeSpan StartGrace = TimeSpan.FromMinutes(5);

    private readonly DocumentLedger _ledger = new(aws.DynamoDb, settings.TableName, timeProvider);
    private readonly DocumentObjects _objects = new(aws.S3, settings.OutputBucket);
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    private readonly DocumentProcessor _processor = new(chat, new DocumentAnalyzerOptions
    {
        Categories = settings.Categories,
        ModelId = settings.ModelId,
    }.Validate());

    /// <summary>
    /// Registers the five handlers under the handler names the stack configures (HybridPipelineStack's *Handler constants).
    /// Program.cs and the local pipeline runs both call this, so a handler renamed on one side only fails a test.
    /// </summary>
    public void MapHandlers(LambdaHandlerRegistry handlers)
    {
        ArgumentNullException.ThrowIfNull(handlers);
        handlers.MapBuffered(PreprocessHandler, PreprocessAsync);
        handlers.MapBuffered(AnalyzeHandler, AnalyzeAsync);
        handlers.MapBuffered(StoreHandler, StoreAsync);
        handlers.MapBuffered(RecordFailureHandler, RecordFailureAsync);
        handlers.MapBuffered(StartExecutionsHandler, StartExecutionsAsync);
    }

    /// <summary>
    /// The execution gate (<see cref="ExecutionGate"/>), invoked by EventBridge: an upload arrived (drain the upload queue
    /// into free slots), an execution ended (free its slot, then drain), or the schedule fired (take back slots whose
    /// executions are gone, then drain).
    /// </summary>
    public async Task<ReadOnlyMemory<byte>> StartExecutionsAsync(ReadOnlyMemory<byte> payload, LambdaContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var gate = new ExecutionGate(aws.Sqs, new ExecutionSlots(aws.DynamoDb, settings.TableName, timeProvider), stepFunctions
            ?? throw new InvalidOperationException("The start-executions handler needs a Step Functions client."), new ExecutionGateSettings(
                settings.UploadQueueUrl ?? throw new InvalidOperationException("UPLOAD_QUEUE_URL is not set for the start-executions function."),
                settings.StateMachineArn ?? throw new InvalidOperationException("STATE_MACHINE_ARN is not set for the start-executions function."),
                settings.MaxRunningExecutions ?? throw new InvalidOperationException("MAX_RUNNING_EXECUTIONS is not set for the start-executions function."),
                UploadVisibilityTimeout,
                StartGrace).Validate(), timeProvider);
        JsonObject trigger;
        try
        {
            trigger = JsonNode.Parse(payload.Span) as JsonObject ?? throw new InvalidPipelineInputException("The input is not an EventBridge event.");
        }
        catch (JsonException ex)
        {
            throw new InvalidPipelineInputException($"The input is not an EventBridge event: {ex.Message}");
        }

        var ct = context.CancellationToken;
        string? released = null;
        IReadOnlyList<string> reclaimed = [];
        switch ((string?)trigger["detail-type"])
        {
            case "Object Created":
                break;
            case "Step Functions Execution Status Change":
                released = (string?)trigger["detail"]?["executionArn"] ?? throw new InvalidPipelineInputException("The status-change event has no detail.executionArn.");
                await gate.ReleaseAsync(released, ct);
                break;
            case "Scheduled Event":
                reclaimed = await gate.ReconcileAsync(ct);
                break;
            default:
                throw new InvalidPipelineInputException($"start-executions handles uploads, execution status changes and its schedule, not '{(string?)trigger["detail-type"]}'.");
        }

        var drained = await gate.DrainAsync(ct);
        context.Logger.LogInformation($"start-executions: {drained.Started} started, {drained.AlreadyRan} already ran, {drained.LeftInQueue} left in the queue, {drained.FreeSlots} slot(s) free; {reclaimed.Count} slot(s) taken back{(released is null ? "" : $", {released} ended")}.");
        return Write(new GateReport(drained.Started, drained.AlreadyRan, drained.LeftInQueue, drained.FreeSlots, reclaimed.Count), PipelineJsonContext.Default.GateReport);
    }

    /// <summary>Claims the upload, then detects and measures it. A second delivery of the same version is a duplicate.</summary>
    public async Task<ReadOnlyMemory<byte>> PreprocessAsync(ReadOnlyMemory<byte> payload, LambdaContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = Read(payload, PipelineJsonContext.Default.PreprocessRequest);
        var document = DocumentReference.Create(request.Bucket, request.Key, request.VersionId);
        var ct = context.CancellationToken;
        if (string.IsNullOrEmpty(request.VersionId))
        {
            // The definition sends only versioned uploads here (CheckUploadEvent); a document without a version id could
            // not be told apart from a later upload of the same key.
            throw new InvalidPipelineInputException($"{document.LedgerKey} has no version id; the pipeline processes uploads to versioned buckets only.");
        }

        if (string.IsNullOrWhiteSpace(request.ExecutionId))
        {
            throw new InvalidPipelineInputException("The input has no executionId ($$.Execution.Id), which the ledger's claim records.");
        }

        var timeout = settings.ExecutionTimeout
            ?? throw new InvalidOperationException("The environment variable EXECUTION_TIMEOUT_SECONDS is required by the preprocess handler, which claims documents.");
        if (!await _ledger.TryClaimAsync(document, request.ExecutionId, timeout, ct))
        {
            context.Logger.LogInformation($"{document.LedgerKey} is held by another execution or already has a result; not processing it again.");
            return Write(Describe(document, DocumentDescriptor.Duplicate, reason: "Another execution holds this object version, or it already has a result."),
                PipelineJsonContext.Default.DocumentDescriptor);
        }

        await using var content = await _objects.OpenAsync(document, settings.MemoryBufferBytes, ct);
        var inspection = await DocumentInspector.InspectAsync(document.Key, content.ContentType, content.Content, ct);
        var descriptor = inspection.Accepted
            ? Describe(document, DocumentDescriptor.Accepted, inspection: inspection)
            : Describe(document, DocumentDescriptor.Rejected, inspection.RejectionReason, inspection);
        context.Logger.LogInformation($"{document.LedgerKey}: {descriptor.Status} {descriptor.Type} {descriptor.Bytes} bytes, {descriptor.Pages} pages, ~{descriptor.Characters} characters.");
        return Write(descriptor, PipelineJsonContext.Default.DocumentDescriptor);
    }

    /// <summary>The light path: extract, chunk and analyse in this function; the result goes to S3.</summary>
    public async Task<ReadOnlyMemory<byte>> AnalyzeAsync(ReadOnlyMemory<byte> payload, LambdaContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var descriptor = Read(payload, PipelineJsonContext.Default.DocumentDescriptor);
        var document = descriptor.Reference;
        var type = ParseType(descriptor.Type);
        var ct = context.CancellationToken;

        await using var content = await _objects.OpenAsync(document, settings.MemoryBufferBytes, ct);
        ProcessedDocument processed;
        try
        {
            processed = await _processor.ProcessAsync(type, content.Content, ProcessingProfile.Light, embeddingsOutput: null, ct);
        }
        catch (BedrockException ex) when (ex.IsThrottling)
        {
            throw new BedrockThrottledException($"Bedrock throttled {document.LedgerKey} after {ex.Attempts} attempt(s).", ex);
        }

        await _objects.WriteResultAsync(document, processed.Analysis, ct);
        var analysis = processed.Analysis;
        return Write(new AnalysisSummary(document.ResultKey, analysis.Category, analysis.Entities.Count, analysis.Usage.InputTokens, analysis.Usage.OutputTokens),
            PipelineJsonContext.Default.AnalysisSummary);
    }

    /// <summary>Records the outcome in the ledger: the analysis from S3 (either path wrote it), or the rejection.</summary>
    public async Task<ReadOnlyMemory<byte>> StoreAsync(ReadOnlyMemory<byte> payload, LambdaContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = Read(payload, PipelineJsonContext.Default.StoreRequest);
        var descriptor = request.Document ?? throw new InvalidPipelineInputException("The Store step needs $.document from Preprocess.");
        var document = descriptor.Reference;
        var ct = context.CancellationToken;

        if (descriptor.Status == DocumentDescriptor.Rejected)
        {
            await _ledger.RejectAsync(document, descriptor.Reason ?? "rejected", ct);
            return Write(new StoreOutcome(document.LedgerKey, DocumentLedger.RejectedStatus, null), PipelineJsonContext.Default.StoreOutcome);
        }

        var analysis = await _objects.ReadResultAsync(document, ct);
        await _ledger.CompleteAsync(document, analysis, ct);
        return Write(new StoreOutcome(document.LedgerKey, DocumentLedger.Completed, analysis.Category), PipelineJsonContext.Default.StoreOutcome);
    }

    /// <summary>The Catch target: marks the document FAILED and sends its input and the cause to the dead-letter queue.</summary>
    public async Task<ReadOnlyMemory<byte>> RecordFailureAsync(ReadOnlyMemory<byte> payload, LambdaContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = Read(payload, PipelineJsonContext.Default.FailureRequest);
        var queueUrl = settings.DeadLetterQueueUrl ?? throw new InvalidOperationException("DEAD_LETTER_QUEUE_URL is not set for the record-failure function.");
        var ct = context.CancellationToken;
        var error = request.Failure?.Error ?? "Unknown";
        var cause = request.Failure?.Cause;
        var document = request.Document?.Reference ?? FromEvent(request.Detail ?? Detail(request.Input));

        // Only a document the ledger can hold: without a version id, an upload cannot be told from a later one of the
        // same key. Such an input still gets its dead letter; the replay command resolves the version then.
        if (document is { VersionId.Length: > 0 }
            && await _ledger.RecordFailureAsync(document, error, cause, ct) is { } result)
        {
            // A step failed after the result was written (its response was lost): the document is done, not dead.
            context.Logger.LogWarning($"{document.LedgerKey} failed with {error} after its result was recorded ({result}); no dead letter.");
            return Write(new StoreOutcome(document.LedgerKey, result, null), PipelineJsonContext.Default.StoreOutcome);
        }

        using var input = JsonDocument.Parse(payload);
        await new DeadLetterOutbox(aws.Sqs, queueUrl).SendAsync(
            new DeadLetter(document?.LedgerKey, document?.Bucket, document?.Key, document?.VersionId, error, cause, input.RootElement.Clone(), _time.GetUtcNow(), request.ExecutionId),
            ct);
        context.Logger.LogWarning($"{document?.LedgerKey ?? "an unidentified document"} failed with {error}; sent to the dead-letter queue.");
        return Write(new StoreOutcome(document?.LedgerKey ?? "", DocumentLedger.Failed, null), PipelineJsonContext.Default.StoreOutcome);
    }

    private static JsonElement? Detail(JsonElement? input) =>
        input is { ValueKind: JsonValueKind.Object } i && i.TryGetProperty("detail", out var detail) ? detail : null;

    private static DocumentReference? FromEvent(JsonElement? detail)
    {
        if (detail is not { ValueKind: JsonValueKind.Object } d
            || !d.TryGetProperty("bucket", out var bucket) || !d.TryGetProperty("object", out var obj))
        {
            return null;
        }

        string? Text(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var bucketName = Text(bucket, "name");
        var key = Text(obj, "key");
        return bucketName is null || key is null ? null : new DocumentReference(bucketName, key, Text(obj, "version-id"));
    }

    private static DocumentDescriptor Describe(DocumentReference document, string status, string? reason = null, DocumentInspection? inspection = null) => new(
        document.Bucket,
        document.Key,
        document.Version,
        status,
        reason,
        inspection?.DocumentType is { } type ? TypeName(type) : null,
        inspection?.SizeBytes ?? 0,
        inspection?.Pages ?? 0,
        inspection?.EstimatedCharacters ?? 0);

    private static string TypeName(DocumentType type) =>
        JsonSerializer.Serialize(type, DocumentsJsonContext.Default.DocumentType).Trim('"');

    private static DocumentType ParseType(string? name)
    {
        try
        {
            return JsonSerializer.Deserialize($"\"{name}\"", DocumentsJsonContext.Default.DocumentType);
        }
        catch (JsonException)
        {
            throw new InvalidPipelineInputException($"'{name}' is not a document type the pipeline handles.");
        }
    }

    private static T Read<T>(ReadOnlyMemory<byte> payload, JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(payload.Span, type) ?? throw new InvalidPipelineInputException($"The step's input is empty; expected {typeof(T).Name}.");
        }
        catch (JsonException ex)
        {
            throw new InvalidPipelineInputException($"The step's input is not a {typeof(T).Name}: {ex.Message}");
        }
    }

    private static ReadOnlyMemory<byte> Write<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.SerializeToUtf8Bytes(value, type);
}
