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
    public void Bad_context_values_stop_synthesis_naming_the_key(string key, string value)
    {
        var error = Assert.Throws<ContextSettingException>(() => Read(new() { [key] = value }));

        Assert.Equal(key, error.Key);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    private static LambdaBedrockStackProps Read(Dictionary<string, object> context)
    {
        var app = new App(new AppProps { Context = context });
        return LambdaBedrockSettings.FromContext(app.Node, environment: null);
    }
}
