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
    public void An_execution_timeout_that_a_worker_and_its_retries_outlast_is_rejected_naming_the_state()
    {
        // A 60-minute worker runs up to 1 + 5 (ECS errors) + 1 (TaskFailed) times: far beyond two hours.
        var props = new HybridPipelineStackProps { WorkerTimeoutMinutes = 60, ExecutionTimeoutMinutes = 120 };

        var error = Assert.ThrowsAny<ArgumentException>(props.Validate);

        Assert.Equal(nameof(HybridPipelineStackProps.ExecutionTimeoutMinutes), error.ParamName);
        Assert.Contains("AnalyzeLargeDocument would still be running", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_execution_timeout_is_rejected_at_the_first_state_it_cuts_short()
    {
        var props = new HybridPipelineStackProps { PreprocessTimeoutSeconds = 900, ExecutionTimeoutMinutes = 30 };

        var error = Assert.ThrowsAny<ArgumentException>(props.Validate);

        Assert.Contains("Preprocess would still be running", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unset_execution_timeout_is_the_worst_case_and_an_explicit_one_that_covers_it_is_accepted()
    {
        var defaults = new HybridPipelineStackProps();
        var minimum = PipelineTimeBudget.MinimumExecutionTimeoutMinutes(defaults);

        Assert.Equal(minimum, defaults.EffectiveExecutionTimeoutMinutes);
        new HybridPipelineStackProps { ExecutionTimeoutMinutes = minimum }.Validate();
        Assert.ThrowsAny<ArgumentException>(new HybridPipelineStackProps { ExecutionTimeoutMinutes = minimum - 1 }.Validate);
    }

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
                ["hybridPipeline:maxRunningExecutions"] = "25",
            },
        });

        var props = HybridPipelineSettings.FromContext(app.Node, environment: null);

        Assert.Equal(2_097_152, props.LightMaxBytes);
        Assert.Equal(50, props.LightMaxPages);
        Assert.Equal(250_000, props.LightMaxCharacters);
        Assert.Equal(["memo", "invoice"], props.DocumentCategories);
        Assert.Equal((4096, 8192), (props.WorkerCpu, props.WorkerMemoryMiB));
        Assert.Equal(RemovalPolicy.DESTROY, props.DataRemovalPolicy);
        Assert.Equal(25, props.MaxRunningExecutions);
    }

    [Theory]
    [InlineData("hybridPipeline:lightMaxBytes", "1.5")]
    [InlineData("hybridPipeline:lightMaxPages", "-1")]
    [InlineData("hybridPipeline:workerMemoryMiB", "3000")]
    [InlineData("hybridPipeline:incomingPrefix", "/incoming")]
    [InlineData("hybridPipeline:lightMaxBytes", "0")]
    [InlineData("hybridPipeline:lightMaxCharacters", "0")]
    [InlineData("hybridPipeline:lightMaxCharacters", "1.5")]
    [InlineData("hybridPipeline:documentCategories", "memo, Memo")]
    [InlineData("hybridPipeline:stepMemorySizeMb", "64")]
    [InlineData("hybridPipeline:analyzeMemorySizeMb", "10241")]
    [InlineData("hybridPipeline:preprocessTimeoutSeconds", "0")]
    [InlineData("hybridPipeline:analyzeTimeoutSeconds", "901")]
    [InlineData("hybridPipeline:storeTimeoutSeconds", "901")]
    [InlineData("hybridPipeline:recordFailureTimeoutSeconds", "0")]
    [InlineData("hybridPipeline:workerCpu", "300")]
    [InlineData("hybridPipeline:workerMaxParallelCalls", "65")]
    [InlineData("hybridPipeline:workerTimeoutMinutes", "0")]
    [InlineData("hybridPipeline:maxRunningExecutions", "0")]
    [InlineData("hybridPipeline:maxRunningExecutions", "1001")]
    [InlineData("hybridPipeline:executionTimeoutMinutes", "1441")]
    [InlineData("hybridPipeline:executionTimeoutMinutes", "60")]
    [InlineData("hybridPipeline:natGateways", "3")]
    [InlineData("hybridPipeline:noncurrentVersionExpirationDays", "0")]
    [InlineData("hybridPipeline:alarmEmail", "nobody")]
    public void Unusable_context_settings_stop_synthesis_naming_the_key(string key, string value)
    {
        var app = new App(new AppProps { Context = new Dictionary<string, object> { [key] = value } });

        var error = Assert.Throws<ContextSettingException>(() => HybridPipelineSettings.FromContext(app.Node, environment: null));

        Assert.Equal(key, error.Key);
    }

    [Fact]
    public void Sizes_from_cdk_json_too_large_for_32_bits_are_read_exactly()
    {
        // cdk.json numbers reach the app as doubles, and 5 GB prints as "5000000000", beyond an int.
        var app = new App(new AppProps { Context = new Dictionary<string, object> { ["hybridPipeline:lightMaxBytes"] = 5e9, ["hybridPipeline:lightMaxCharacters"] = 3e9 } });

        var props = HybridPipelineSettings.FromContext(app.Node, environment: null);

        Assert.Equal(5_000_000_000, props.LightMaxBytes);
        Assert.Equal(3_000_000_000, props.LightMaxCharacters);
    }

    [Fact]
    public void Noncurrent_versions_kept_beyond_a_century_are_accepted_from_context_as_from_csharp()
    {
        // S3 takes any positive number of days; the settings once stopped at 36,500 while the props did not.
        var app = new App(new AppProps { Context = new Dictionary<string, object> { ["hybridPipeline:noncurrentVersionExpirationDays"] = "40000" } });

        var props = HybridPipelineSettings.FromContext(app.Node, environment: null);

        Assert.Equal(40_000, props.NoncurrentVersionExpirationDays);
    }
}
