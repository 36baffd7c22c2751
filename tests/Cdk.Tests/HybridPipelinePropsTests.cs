using Amazon.CDK;
using ReferenceArchitectures.Cdk.Configuration;
using ReferenceArchitectures.Cdk.HybridPipeline;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>Pattern 4's props and its <c>hybridPipeline:*</c> context settings.</summary>
public sealed class HybridPipelinePropsTests
{
    [Theory]
    [InlineData(nameof(HybridPipelineStackProps.LightMaxBytes))]
    [InlineData(nameof(HybridPipelineStackProps.IncomingPrefix))]
    [InlineData(nameof(HybridPipelineStackProps.DocumentCategories))]
    [InlineData(nameof(HybridPipelineStackProps.WorkerMemoryMiB))]
    [InlineData(nameof(HybridPipelineStackProps.ExecutionTimeoutMinutes))]
    [InlineData(nameof(HybridPipelineStackProps.AnalyzeTimeoutSeconds))]
    [InlineData(nameof(HybridPipelineStackProps.ModelId))]
    [InlineData(nameof(HybridPipelineStackProps.InferenceProfileRegions))]
    [InlineData(nameof(HybridPipelineStackProps.LightMaxCharacters))]
    [InlineData(nameof(HybridPipelineStackProps.AlarmEmail))]
    public void Invalid_props_are_rejected_naming_the_prop(string prop)
    {
        var props = prop switch
        {
            nameof(HybridPipelineStackProps.LightMaxBytes) => new HybridPipelineStackProps { LightMaxBytes = 0 },
            nameof(HybridPipelineStackProps.IncomingPrefix) => new HybridPipelineStackProps { IncomingPrefix = "incoming" },
            nameof(HybridPipelineStackProps.DocumentCategories) => new HybridPipelineStackProps { DocumentCategories = ["invoice", "Invoice"] },
            nameof(HybridPipelineStackProps.WorkerMemoryMiB) => new HybridPipelineStackProps { WorkerCpu = 1024, WorkerMemoryMiB = 1024 },
            nameof(HybridPipelineStackProps.ExecutionTimeoutMinutes) => new HybridPipelineStackProps { WorkerTimeoutMinutes = 90, ExecutionTimeoutMinutes = 60 },
            nameof(HybridPipelineStackProps.AnalyzeTimeoutSeconds) => new HybridPipelineStackProps { AnalyzeTimeoutSeconds = 901 },
            nameof(HybridPipelineStackProps.InferenceProfileRegions) => new HybridPipelineStackProps { ModelId = "eu.amazon.nova-lite-v1:0", InferenceProfileRegions = ["eu-west-1", " "] },
            nameof(HybridPipelineStackProps.LightMaxCharacters) => new HybridPipelineStackProps { LightMaxCharacters = 0 },
            nameof(HybridPipelineStackProps.AlarmEmail) => new HybridPipelineStackProps { AlarmEmail = "nobody" },
            _ => new HybridPipelineStackProps { ModelId = "arn:aws:s3:::bucket/key" },
        };

        var error = Assert.ThrowsAny<ArgumentException>(props.Validate);

        Assert.Equal(prop, error.ParamName);
        Assert.Contains(prop, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_props_are_valid() => new HybridPipelineStackProps().Validate();

    [Fact]
    public void Context_settings_map_to_props()
    {
        var app = new App(new AppProps
        {
            Context = new Dictionary<string, object>
            {
                ["hybridPipeline:lightMaxBytes"] = "2097152",
                ["hybridPipeline:lightMaxPages"] = "50",
                ["hybridPipeline:lightMaxCharacters"] = "250000",
                ["hybridPipeline:documentCategories"] = "memo, invoice",
                ["hybridPipeline:workerCpu"] = "4096",
                ["hybridPipeline:workerMemoryMiB"] = "8192",
                ["hybridPipeline:dataRemovalPolicy"] = "destroy",
            },
        });

        var props = HybridPipelineSettings.FromContext(app.Node, environment: null);

        Assert.Equal(2_097_152, props.LightMaxBytes);
        Assert.Equal(50, props.LightMaxPages);
        Assert.Equal(250_000, props.LightMaxCharacters);
        Assert.Equal(["memo", "invoice"], props.DocumentCategories);
        Assert.Equal((4096, 8192), (props.WorkerCpu, props.WorkerMemoryMiB));
        Assert.Equal(RemovalPolicy.DESTROY, props.DataRemovalPolicy);
    }

    [Theory]
    [InlineData("hybridPipeline:lightMaxBytes", "1.5")]
    [InlineData("hybridPipeline:lightMaxPages", "-1")]
    [InlineData("hybridPipeline:workerMemoryMiB", "3000")]
    [InlineData("hybridPipeline:incomingPrefix", "/incoming")]
    public void Unusable_context_settings_stop_synthesis_naming_the_key(string key, string value)
    {
        var app = new App(new AppProps { Context = new Dictionary<string, object> { [key] = value } });

        var error = Assert.Throws<ContextSettingException>(() => HybridPipelineSettings.FromContext(app.Node, environment: null));

        Assert.Equal(key, error.Key);
    }
}
