namespace ReferenceArchitectures.Bedrock;

/// <summary>Settings for <see cref="BedrockChatClient"/>. Call <see cref="Validate"/> at start-up.</summary>
public sealed class BedrockClientOptions
{
    /// <summary>AWS Region, e.g. <c>us-east-1</c>; also the SigV4 signing region.</summary>
    public required string Region { get; init; }

    /// <summary>Foundation-model id, inference-profile id or ARN; used when a call names no model.</summary>
    public required string ModelId { get; init; }

    /// <summary>Overrides the endpoint, e.g. <c>http://127.0.0.1:port</c> in tests. Default: <c>https://bedrock-runtime.{Region}.amazonaws.com</c>.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Guardrail identifier (id or ARN); sent with every request when set, together with <see cref="GuardrailVersion"/>.</summary>
    public string? GuardrailId { get; init; }

    /// <summary>Guardrail version, e.g. <c>1</c> or <c>DRAFT</c>.</summary>
    public string? GuardrailVersion { get; init; }

    /// <summary>First try plus retries.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>Backoff base: the delay before retry <c>n</c> is random in [0, min(MaxDelay, BaseDelay·2^n)).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Upper bound of any single backoff delay.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Limit for one HTTP attempt: the whole exchange for Converse, the time to response headers for ConverseStream.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The endpoint requests go to.</summary>
    public Uri ResolvedEndpoint => Endpoint ?? new Uri($"https://bedrock-runtime.{Region}.amazonaws.com");

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Region))
        {
            throw new ArgumentException("BedrockClientOptions.Region must be set, e.g. \"us-east-1\".", nameof(Region));
        }

        if (Region.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')))
        {
            throw new ArgumentException($"BedrockClientOptions.Region \"{Region}\" is not a Region name (lower-case letters, digits and '-').", nameof(Region));
        }

        if (string.IsNullOrWhiteSpace(ModelId))
        {
            throw new ArgumentException("BedrockClientOptions.ModelId must be set to a model id, inference-profile id or ARN.", nameof(ModelId));
        }

        if (Endpoint is { } endpoint && (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp)))
        {
            throw new ArgumentException($"BedrockClientOptions.Endpoint \"{endpoint}\" must be an absolute http or https URI.", nameof(Endpoint));
        }

        if (string.IsNullOrEmpty(GuardrailId) != string.IsNullOrEmpty(GuardrailVersion))
        {
            throw new ArgumentException("BedrockClientOptions.GuardrailId and GuardrailVersion must be set together.", string.IsNullOrEmpty(GuardrailId) ? nameof(GuardrailId) : nameof(GuardrailVersion));
        }

        if (MaxAttempts < 1)
        {
            throw new ArgumentException($"BedrockClientOptions.MaxAttempts must be at least 1 (was {MaxAttempts}).", nameof(MaxAttempts));
        }

        if (BaseDelay < TimeSpan.Zero)
        {
            throw new ArgumentException($"BedrockClientOptions.BaseDelay must not be negative (was {BaseDelay}).", nameof(BaseDelay));
        }

        if (MaxDelay < BaseDelay)
        {
            throw new ArgumentException($"BedrockClientOptions.MaxDelay ({MaxDelay}) must not be less than BaseDelay ({BaseDelay}).", nameof(MaxDelay));
        }

        if (AttemptTimeout <= TimeSpan.Zero && AttemptTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"BedrockClientOptions.AttemptTimeout must be positive (was {AttemptTimeout}).", nameof(AttemptTimeout));
        }
    }
}
