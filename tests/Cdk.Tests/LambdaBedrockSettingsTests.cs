using System.Globalization;
using Amazon.CDK;
using ReferenceArchitectures.Cdk.Configuration;
using ReferenceArchitectures.Cdk.Constructs;
using ReferenceArchitectures.Cdk.LambdaBedrock;

namespace ReferenceArchitectures.Cdk.Tests;

public sealed class LambdaBedrockSettingsTests
{
    [Fact]
    public void Context_values_given_as_text_become_typed_props()
    {
        var props = Read(new()
        {
            ["lambdaBedrock:modelId"] = "eu.amazon.nova-lite-v1:0",
            ["lambdaBedrock:inferenceProfileRegions"] = "eu-west-1, eu-central-1",
            ["lambdaBedrock:memorySizeMb"] = "1024",
            ["lambdaBedrock:architecture"] = "arm64",
            ["lambdaBedrock:apiAuthorization"] = "none",
            ["lambdaBedrock:logRetentionDays"] = "14",
            ["lambdaBedrock:throttlingRateLimit"] = "2.5",
        });

        Assert.Equal("eu.amazon.nova-lite-v1:0", props.ModelId);
        Assert.Equal(["eu-west-1", "eu-central-1"], props.InferenceProfileRegions!);
        Assert.Equal(1024, props.MemorySizeMb);
        Assert.Equal(ProcessorArchitecture.Arm64, props.Architecture);
        Assert.Equal(ApiAuthorization.None, props.ApiAuthorization);
        Assert.Equal(Amazon.CDK.AWS.Logs.RetentionDays.TWO_WEEKS, props.LogRetention);
        Assert.Equal(2.5, props.ThrottlingRateLimit);
    }

    [Fact]
    public void Context_values_given_as_JSON_numbers_are_accepted()
    {
        var props = Read(new() { ["lambdaBedrock:memorySizeMb"] = 2048d });

        Assert.Equal(2048, props.MemorySizeMb);
    }

    [Fact]
    public void Missing_context_keeps_the_prop_defaults()
    {
        var props = Read([]);

        Assert.Equal("amazon.nova-lite-v1:0", props.ModelId);
        Assert.Equal(512, props.MemorySizeMb);
        Assert.Equal(ApiAuthorization.Iam, props.ApiAuthorization);
    }

    [Theory]
    [InlineData("lambdaBedrock:memorySizeMb", "lots")]
    [InlineData("lambdaBedrock:memorySizeMb", "99999")]
    [InlineData("lambdaBedrock:architecture", "sparc")]
    [InlineData("lambdaBedrock:apiAuthorization", "basic")]
    [InlineData("lambdaBedrock:logRetentionDays", "31")]
    [InlineData("lambdaBedrock:guardrailVersion", "2")]
    [InlineData("lambdaBedrock:modelId", "arn:aws:bedrock:us-east-1:1:agent/x")]
    [InlineData("lambdaBedrock:inferenceProfileRegions", "us east 1")]
    [InlineData("lambdaBedrock:maxPromptCharacters", "0")]
    [InlineData("lambdaBedrock:memorySizeMb", "64")]
    [InlineData("lambdaBedrock:apiTimeoutSeconds", "31")]
    [InlineData("lambdaBedrock:streamTimeoutSeconds", "901")]
    [InlineData("lambdaBedrock:reservedConcurrency", "-1")]
    [InlineData("lambdaBedrock:provisionedConcurrency", "-1")]
    [InlineData("lambdaBedrock:throttlingRateLimit", "0")]
    [InlineData("lambdaBedrock:throttlingRateLimit", "Infinity")]
    [InlineData("lambdaBedrock:throttlingBurstLimit", "0")]
    [InlineData("lambdaBedrock:alarmEmail", "nobody")]
    public void Bad_context_values_stop_synthesis_naming_the_key(string key, string value)
    {
        var error = Assert.Throws<ContextSettingException>(() => Read(new() { [key] = value }));

        Assert.Equal(key, error.Key);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Provisioned_concurrency_above_the_reserved_concurrency_names_the_provisioned_setting()
    {
        var error = Assert.Throws<ContextSettingException>(() =>
            Read(new() { ["lambdaBedrock:reservedConcurrency"] = "2", ["lambdaBedrock:provisionedConcurrency"] = "5" }));

        Assert.Equal("lambdaBedrock:provisionedConcurrency", error.Key);
    }

    [Fact]
    public void A_refused_context_value_carries_the_props_own_message()
    {
        var csharp = Assert.ThrowsAny<ArgumentException>(new LambdaBedrockStackProps { MemorySizeMb = 99999 }.Validate);

        var context = Assert.Throws<ContextSettingException>(() => Read(new() { ["lambdaBedrock:memorySizeMb"] = "99999" }));

        Assert.Equal($"Context setting 'lambdaBedrock:memorySizeMb': {csharp.Message}", context.Message);
    }

    [Theory]
    [InlineData("2000000", "3000000")]
    [InlineData("2000000.5", "1")]
    public void Throttling_above_a_million_requests_is_accepted_from_context_as_from_csharp(string rate, string burst)
    {
        // The settings once allowed at most 1,000,000 here while the props allowed any burst; the props' bound is the only one now.
        var props = Read(new() { ["lambdaBedrock:throttlingRateLimit"] = rate, ["lambdaBedrock:throttlingBurstLimit"] = burst });

        Assert.Equal(double.Parse(rate, CultureInfo.InvariantCulture), props.ThrottlingRateLimit);
        Assert.Equal(int.Parse(burst, CultureInfo.InvariantCulture), props.ThrottlingBurstLimit);
    }

    private static LambdaBedrockStackProps Read(Dictionary<string, object> context)
    {
        var app = new App(new AppProps { Context = context });
        return LambdaBedrockSettings.FromContext(app.Node, environment: null);
    }
}
