namespace ReferenceArchitectures.Functions.InferenceApi;

/// <summary>
/// What pattern 1's stack and its function must agree on: the handler strings that pick a handler in the one
/// executable, the names of the environment variables the stack sets and <c>ChatSettings</c> reads, and the
/// metric the function writes and the stack's alarm watches.
/// </summary>
/// <remarks>
/// The function compiles this file, and the CDK app compiles the same file as a link
/// (cdk/ReferenceArchitectures.Cdk.csproj), so each name is spelled once and the function takes no dependency on
/// the CDK. It is internal in both assemblies, so a project that references both (the function's tests) sees no
/// duplicate type; <c>LambdaBedrockStack</c> and <c>ChatHandlers</c> publish the handler names.
/// </remarks>
internal static class ChatFunctionContract
{
    /// <summary>The buffered handler behind the HTTP API's <c>POST /v1/chat</c>.</summary>
    public const string ConverseHandler = "converse";

    /// <summary>The streaming handler behind the Function URL.</summary>
    public const string ConverseStreamHandler = "converse-stream";

    /// <summary>Required: a foundation model id, an inference profile id, or either's ARN.</summary>
    public const string ModelIdVariable = "BEDROCK_MODEL_ID";

    /// <summary>Optional, set together with <see cref="GuardrailVersionVariable"/>.</summary>
    public const string GuardrailIdVariable = "BEDROCK_GUARDRAIL_ID";

    public const string GuardrailVersionVariable = "BEDROCK_GUARDRAIL_VERSION";

    /// <summary>Optional: the longest prompt, in characters, the function accepts.</summary>
    public const string MaxPromptCharactersVariable = "CHAT_MAX_PROMPT_CHARACTERS";

    /// <summary>The Embedded Metric Format metric of streams that failed server-side (<c>StreamFailureMetric</c>).</summary>
    public const string StreamFailureNamespace = "LambdaBedrock/Streams";

    public const string StreamFailureMetricName = "StreamFailures";

    /// <summary>The metric's one dimension; its value is the function's name.</summary>
    public const string StreamFailureDimension = "FunctionName";
}
