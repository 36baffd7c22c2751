namespace ReferenceArchitectures.Bedrock.Tests;

public sealed class OptionsTests
{
    public static TheoryData<string, BedrockClientOptions> BadOptions() => new()
    {
        { "Region", new BedrockClientOptions { Region = "", ModelId = "m" } },
        { "Region", new BedrockClientOptions { Region = "US East 1", ModelId = "m" } },
        { "ModelId", new BedrockClientOptions { Region = "us-east-1", ModelId = " " } },
        { "Endpoint", new BedrockClientOptions { Region = "us-east-1", ModelId = "m", Endpoint = new Uri("ftp://example.com") } },
        { "GuardrailVersion", new BedrockClientOptions { Region = "us-east-1", ModelId = "m", GuardrailId = "g" } },
        { "MaxAttempts", new BedrockClientOptions { Region = "us-east-1", ModelId = "m", MaxAttempts = 0 } },
        { "BaseDelay", new BedrockClientOptions { Region = "us-east-1", ModelId = "m", BaseDelay = TimeSpan.FromSeconds(-1) } },
        { "MaxDelay", new BedrockClientOptions { Region = "us-east-1", ModelId = "m", BaseDelay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(1) } },
        { "AttemptTimeout", new BedrockClientOptions { Region = "us-east-1", ModelId = "m", AttemptTimeout = TimeSpan.Zero } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Validate_names_the_bad_setting(string setting, BedrockClientOptions options)
    {
        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal(setting, error.ParamName);
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_valid_and_point_at_the_regional_endpoint()
    {
        var options = new BedrockClientOptions { Region = "eu-central-1", ModelId = "amazon.nova-lite-v1:0" };

        options.Validate();

        Assert.Equal(new Uri("https://bedrock-runtime.eu-central-1.amazonaws.com"), options.ResolvedEndpoint);
        Assert.Equal(4, options.MaxAttempts);
    }

    [Fact]
    public void Client_constructor_rejects_invalid_options()
    {
        using var http = new HttpClient();

        Assert.Throws<ArgumentException>(() => new BedrockChatClient(http, new BedrockClientOptions { Region = "", ModelId = "m" }, new StaticAwsCredentialSource("a", "b")));
    }

    [Theory]
    [InlineData("throttlingException", "ThrottlingException")]
    [InlineData("ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/", "ThrottlingException")]
    [InlineData("com.amazon.coral.validate#ValidationException", "ValidationException")]
    public void Error_types_are_normalised_to_upper_camel_case(string raw, string expected)
    {
        Assert.Equal(expected, ErrorCodes.Normalise(raw));
    }
}
