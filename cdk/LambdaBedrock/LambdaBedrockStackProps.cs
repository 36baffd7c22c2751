using Amazon.CDK;
using Amazon.CDK.AWS.Logs;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.LambdaBedrock;

/// <summary>How callers of the chat API authenticate.</summary>
public enum ApiAuthorization
{
    /// <summary>Callers sign requests with SigV4 and need <c>execute-api:Invoke</c> on the route.</summary>
    Iam,

    /// <summary>Anyone with the URL can call the API and spend Bedrock tokens. Only for short trials.</summary>
    None,
}

/// <summary>Settings of pattern 1. Every default deploys a working, locked-down stack.</summary>
public sealed class LambdaBedrockStackProps : StackProps
{
    /// <summary>
    /// An HTTP API waits at most 30 seconds for an integration
    /// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
    /// </summary>
    public const int MaxApiTimeoutSeconds = 30;

    /// <summary>A foundation model id, a cross-Region inference profile id (<c>us.</c>, <c>eu.</c>, <c>apac.</c>, <c>global.</c>, ...) or either's ARN.</summary>
    public string ModelId { get; init; } = "amazon.nova-lite-v1:0";

    /// <summary>Regions an inference profile routes to; null takes the documented defaults for the profile's prefix.</summary>
    public IReadOnlyList<string>? InferenceProfileRegions { get; init; }

    /// <summary>Guardrail applied to every request; set together with <see cref="GuardrailVersion"/>.</summary>
    public string? GuardrailId { get; init; }

    /// <summary>A published guardrail version number, or <c>DRAFT</c>.</summary>
    public string? GuardrailVersion { get; init; }

    /// <summary>Longest prompt the function accepts; null leaves the function's own default.</summary>
    public int? MaxPromptCharacters { get; init; }

    public int MemorySizeMb { get; init; } = 512;

    /// <summary>Timeout of the buffered function behind the HTTP API; below the API's 30-second integration limit.</summary>
    public int ApiTimeoutSeconds { get; init; } = 29;

    /// <summary>Timeout of the streaming function behind the Function URL.</summary>
    public int StreamTimeoutSeconds { get; init; } = 120;

    public ProcessorArchitecture Architecture { get; init; } = ProcessorArchitecture.X64;

    /// <summary>Reserved concurrency of each function; null reserves none (the account pool is shared).</summary>
    public int? ReservedConcurrentExecutions { get; init; }

    /// <summary>Provisioned concurrency of each function on the <c>live</c> alias; 0 creates no alias.</summary>
    public int ProvisionedConcurrentExecutions { get; init; }

    public RetentionDays LogRetention { get; init; } = RetentionDays.ONE_MONTH;

    /// <summary>
    /// Removal policy of the log groups. Destroy, so that <c>cdk destroy</c> of a trial leaves nothing behind;
    /// choose Retain where logs are evidence.
    /// </summary>
    public RemovalPolicy LogRemovalPolicy { get; init; } = RemovalPolicy.DESTROY;

    public ApiAuthorization ApiAuthorization { get; init; } = ApiAuthorization.Iam;

    /// <summary>Steady-state requests per second allowed by the API's default stage.</summary>
    public double ThrottlingRateLimit { get; init; } = 10;

    /// <summary>Burst of requests allowed above the rate by the API's default stage.</summary>
    public int ThrottlingBurstLimit { get; init; } = 20;

    /// <summary>E-mail address subscribed to the alarm topic; null subscribes nobody.</summary>
    public string? AlarmEmail { get; init; }

    /// <summary>Checks every setting and throws an <see cref="ArgumentException"/> whose ParamName is the property at fault.</summary>
    public void Validate()
    {
        PropsRules.RequireRegionNames(InferenceProfileRegions, nameof(InferenceProfileRegions));
        PropsRules.RequireAccepted(() => BedrockModel.Parse(ModelId, InferenceProfileRegions), nameof(ModelId));
        PropsRules.RequireFunctionMemory(MemorySizeMb, nameof(MemorySizeMb));
        PropsRules.RequireRange(ApiTimeoutSeconds, 1, MaxApiTimeoutSeconds, nameof(ApiTimeoutSeconds));
        PropsRules.RequireFunctionTimeout(StreamTimeoutSeconds, nameof(StreamTimeoutSeconds));
        if (ReservedConcurrentExecutions is { } reserved)
        {
            PropsRules.RequireRange(reserved, 0, int.MaxValue, nameof(ReservedConcurrentExecutions));
        }

        PropsRules.RequireRange(ProvisionedConcurrentExecutions, 0, ReservedConcurrentExecutions ?? int.MaxValue, nameof(ProvisionedConcurrentExecutions));
        if (MaxPromptCharacters is { } maxPrompt)
        {
            PropsRules.RequireRange(maxPrompt, 1, int.MaxValue, nameof(MaxPromptCharacters));
        }

        // No upper bound on the stage's throttling: the account's Regional quota (10,000 requests per second by default,
        // and raisable) is the real ceiling, and a stage cannot exceed it
        // (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html).
        PropsRules.RequirePositive(ThrottlingRateLimit, nameof(ThrottlingRateLimit));
        PropsRules.RequireRange(ThrottlingBurstLimit, 1, int.MaxValue, nameof(ThrottlingBurstLimit));
        if (string.IsNullOrWhiteSpace(GuardrailId) != string.IsNullOrWhiteSpace(GuardrailVersion))
        {
            throw new ArgumentException($"{nameof(GuardrailId)} and {nameof(GuardrailVersion)} must be set together or not at all.", nameof(GuardrailVersion));
        }

        if (GuardrailVersion is { Length: > 0 } version && version != "DRAFT" && !version.All(char.IsAsciiDigit))
        {
            throw new ArgumentException($"{nameof(GuardrailVersion)} must be a version number or DRAFT; got '{version}'.", nameof(GuardrailVersion));
        }

        PropsRules.RequireEmail(AlarmEmail, nameof(AlarmEmail));
    }
}
