namespace ReferenceArchitectures.Functions.InferenceApi;

/// <summary>
/// The function's configuration, read once at start from the environment the stack sets.
/// A bad value stops initialisation with a message that names the variable (Lambda reports it as an init error).
/// </summary>
public sealed record ChatSettings
{
    public const int DefaultMaxPromptCharacters = 32_000;

    public required string Region { get; init; }
    public required string ModelId { get; init; }

    /// <summary>The dimension of the stream-failure metric; Lambda sets AWS_LAMBDA_FUNCTION_NAME.</summary>
    public string FunctionName { get; init; } = "unknown";
    public string? GuardrailId { get; init; }
    public string? GuardrailVersion { get; init; }

    /// <summary>Upper bound on the characters of all messages and the system prompt together.</summary>
    public int MaxPromptCharacters { get; init; } = DefaultMaxPromptCharacters;

    /// <summary>Bedrock endpoint override, from the AWS SDKs' standard variable; unset in AWS.</summary>
    public Uri? BedrockEndpoint { get; init; }

    public static ChatSettings FromEnvironment(Func<string, string?> read)
    {
        ArgumentNullException.ThrowIfNull(read);

        var region = Required(read, "AWS_REGION");
        var modelId = Required(read, ChatFunctionContract.ModelIdVariable);
        var guardrailId = Optional(read, ChatFunctionContract.GuardrailIdVariable);
        var guardrailVersion = Optional(read, ChatFunctionContract.GuardrailVersionVariable);
        if ((guardrailId is null) != (guardrailVersion is null))
        {
            throw new InvalidOperationException(
                $"{ChatFunctionContract.GuardrailIdVariable} and {ChatFunctionContract.GuardrailVersionVariable} must be set together or not at all.");
        }

        var maxPrompt = DefaultMaxPromptCharacters;
        if (Optional(read, ChatFunctionContract.MaxPromptCharactersVariable) is { } maxText)
        {
            if (!int.TryParse(maxText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out maxPrompt)
                || maxPrompt is < 1 or > 1_000_000)
            {
                throw new InvalidOperationException(
                    $"{ChatFunctionContract.MaxPromptCharactersVariable} must be a whole number from 1 to 1000000, not '{maxText}'.");
            }
        }

        Uri? endpoint = null;
        if (Optional(read, "AWS_ENDPOINT_URL_BEDROCK_RUNTIME") is { } endpointText
            && !Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint))
        {
            throw new InvalidOperationException(
                $"AWS_ENDPOINT_URL_BEDROCK_RUNTIME must be an absolute URL, not '{endpointText}'.");
        }

        return new ChatSettings
        {
            Region = region,
            ModelId = modelId,
            GuardrailId = guardrailId,
            GuardrailVersion = guardrailVersion,
            MaxPromptCharacters = maxPrompt,
            BedrockEndpoint = endpoint,
            FunctionName = Optional(read, "AWS_LAMBDA_FUNCTION_NAME") ?? "unknown",
        };
    }

    private static string? Optional(Func<string, string?> read, string name) =>
        read(name) is { Length: > 0 } value ? value.Trim() : null;

    private static string Required(Func<string, string?> read, string name) =>
        Optional(read, name) ?? throw new InvalidOperationException($"The environment variable {name} is required.");
}
