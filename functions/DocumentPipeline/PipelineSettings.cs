using System.Globalization;

namespace ReferenceArchitectures.Functions.DocumentPipeline;

/// <summary>The functions' configuration, read once at start from the environment the stack sets.</summary>
public sealed record PipelineSettings
{
    public required string Region { get; init; }
    public required string OutputBucket { get; init; }
    public required string TableName { get; init; }

    /// <summary>Needed by <c>record-failure</c> only.</summary>
    public string? DeadLetterQueueUrl { get; init; }

    public required string ModelId { get; init; }
    public required IReadOnlyList<string> Categories { get; init; }
    public Uri? BedrockEndpoint { get; init; }

    /// <summary>Objects up to this size are buffered in memory; larger ones go to a temporary file in /tmp.</summary>
    public long MemoryBufferBytes { get; init; } = 32 * 1024 * 1024;

    /// <summary>
    /// The state machine's execution timeout (EXECUTION_TIMEOUT_SECONDS): a claim older than this belongs to an execution
    /// that Step Functions has stopped, so a new execution may take it over. Only Preprocess, which claims, needs it.
    /// </summary>
    public TimeSpan? ExecutionTimeout { get; init; }

    /// <summary>The upload queue (UPLOAD_QUEUE_URL), drained by <c>start-executions</c> only.</summary>
    public string? UploadQueueUrl { get; init; }

    /// <summary>The state machine (STATE_MACHINE_ARN) that <c>start-executions</c> starts.</summary>
    public string? StateMachineArn { get; init; }

    /// <summary>How many executions may run at once (MAX_RUNNING_EXECUTIONS); needed by <c>start-executions</c> only.</summary>
    public int? MaxRunningExecutions { get; init; }

    public static PipelineSettings FromEnvironment(Func<string, string?> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var categories = Required(read, "DOCUMENT_CATEGORIES")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (categories.Length < 2)
        {
            throw new InvalidOperationException("DOCUMENT_CATEGORIES must list at least two categories, separated by commas.");
        }

        Uri? bedrock = null;
        if (Optional(read, "AWS_ENDPOINT_URL_BEDROCK_RUNTIME") is { } text && !Uri.TryCreate(text, UriKind.Absolute, out bedrock))
        {
            throw new InvalidOperationException($"AWS_ENDPOINT_URL_BEDROCK_RUNTIME must be an absolute URL, not '{text}'.");
        }

        var memory = 32L * 1024 * 1024;
        if (Optional(read, "DOCUMENT_MEMORY_BUFFER_BYTES") is { } memoryText
            && (!long.TryParse(memoryText, NumberStyles.None, CultureInfo.InvariantCulture, out memory) || memory < 1))
        {
            throw new InvalidOperationException($"DOCUMENT_MEMORY_BUFFER_BYTES must be a positive whole number, not '{memoryText}'.");
        }

        TimeSpan? executionTimeout = null;
        if (Optional(read, "EXECUTION_TIMEOUT_SECONDS") is { } timeoutText)
        {
            executionTimeout = int.TryParse(timeoutText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : throw new InvalidOperationException($"EXECUTION_TIMEOUT_SECONDS must be a positive whole number of seconds, not '{timeoutText}'.");
        }

        int? maxRunning = null;
        if (Optional(read, "MAX_RUNNING_EXECUTIONS") is { } maxText)
        {
            maxRunning = int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit > 0
                ? limit
                : throw new InvalidOperationException($"MAX_RUNNING_EXECUTIONS must be a positive whole number, not '{maxText}'.");
        }

        return new PipelineSettings
        {
            UploadQueueUrl = Optional(read, "UPLOAD_QUEUE_URL"),
            StateMachineArn = Optional(read, "STATE_MACHINE_ARN"),
            MaxRunningExecutions = maxRunning,
            ExecutionTimeout = executionTimeout,
            Region = Required(read, "AWS_REGION"),
            OutputBucket = Required(read, "OUTPUT_BUCKET"),
            TableName = Required(read, "TABLE_NAME"),
            DeadLetterQueueUrl = Optional(read, "DEAD_LETTER_QUEUE_URL"),
            ModelId = Required(read, "BEDROCK_MODEL_ID"),
            Categories = categories,
            BedrockEndpoint = bedrock,
            MemoryBufferBytes = memory,
        };
    }

    private static string? Optional(Func<string, string?> read, string name) =>
        read(name) is { Length: > 0 } value ? value.Trim() : null;

    private static string Required(Func<string, string?> read, string name) =>
        Optional(read, name) ?? throw new InvalidOperationException($"The environment variable {name} is required.");
}
