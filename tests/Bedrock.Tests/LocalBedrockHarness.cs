using ReferenceArchitectures.Testing.LocalBedrock;

namespace ReferenceArchitectures.Bedrock.Tests;

/// <summary>A LocalBedrock server per test, and clients pointed at it with zero backoff so that retries take no time.</summary>
public abstract class LocalBedrockHarness : IAsyncLifetime
{
    public const string ModelId = "amazon.nova-lite-v1:0";

    /// <summary>Safety net for awaits that should finish at once; never a timing assertion.</summary>
    protected static readonly TimeSpan SafetyNet = TimeSpan.FromSeconds(30);

    protected LocalBedrockServer Server { get; private set; } = null!;

    protected HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await LocalBedrockServer.StartAsync();
        Http = new HttpClient();
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }

    protected BedrockChatClient CreateClient(
        Func<BedrockClientOptions, BedrockClientOptions>? configure = null,
        TimeProvider? timeProvider = null,
        IAwsCredentialSource? credentials = null,
        Random? jitter = null)
    {
        var options = new BedrockClientOptions
        {
            Region = Server.Region,
            ModelId = ModelId,
            Endpoint = Server.Endpoint,
            BaseDelay = TimeSpan.Zero,
            MaxDelay = TimeSpan.Zero,
        };
        options = configure?.Invoke(options) ?? options;
        credentials ??= new StaticAwsCredentialSource(Server.Credentials.AccessKeyId, Server.Credentials.SecretAccessKey, Server.Credentials.SessionToken);
        return new BedrockChatClient(Http, options, credentials, timeProvider, jitter);
    }

    protected static BedrockClientOptions With(BedrockClientOptions options, int? maxAttempts = null, TimeSpan? attemptTimeout = null, string? guardrailId = null, string? guardrailVersion = null) =>
        new()
        {
            Region = options.Region,
            ModelId = options.ModelId,
            Endpoint = options.Endpoint,
            BaseDelay = options.BaseDelay,
            MaxDelay = options.MaxDelay,
            MaxAttempts = maxAttempts ?? options.MaxAttempts,
            AttemptTimeout = attemptTimeout ?? options.AttemptTimeout,
            GuardrailId = guardrailId ?? options.GuardrailId,
            GuardrailVersion = guardrailVersion ?? options.GuardrailVersion,
        };

    protected static ConverseRequest UserSays(string text) =>
        new() { Messages = [new Message(ConversationRole.User, [ContentBlock.FromText(text)])] };
}
