using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ReferenceArchitectures.ModelServer.Tests;

/// <summary>The Model section is checked at start; a bad value stops the server and names the setting.</summary>
public sealed class ModelSettingsTests
{
    public static TheoryData<string, Dictionary<string, string?>> BadSettings => new()
    {
        { "Model:S3Uri", new() { ["Model:Source"] = "s3" } },
        { "Model:S3Uri", new() { ["Model:Source"] = "s3", ["Model:S3Uri"] = "https://my-models.s3.amazonaws.com/bge/" } },
        { "Model:S3Uri", new() { ["Model:Source"] = "s3", ["Model:S3Uri"] = "s3://My_Models/bge/" } },
        { "Model:S3Uri", new() { ["Model:S3Uri"] = "s3://my-models/bge/" } },
        { "Model:CacheDirectory", new() { ["Model:Source"] = "s3", ["Model:S3Uri"] = "s3://my-models/bge/", ["Model:CacheDirectory"] = "models" } },
        { "Model:ModelPath", new() { ["Model:Source"] = "files", ["Model:VocabularyPath"] = "/models/vocab.txt" } },
        { "Model:MaxTokens", new() { ["Model:MaxTokens"] = "1024" } },
        { "Model:ExecutionProvider", new() { ["Model:ExecutionProvider"] = "7" } },
        { "Model:Pooling", new() { ["Model:Pooling"] = "cls" } },
        { "Model:Name", new() { ["Model:Name"] = "renamed" } },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task A_bad_model_setting_stops_start_up_and_is_named(string setting, Dictionary<string, string?> settings)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningServer.StartAsync(settings, waitUntilReady: false));

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Model:Source", "nowhere")]
    [InlineData("Model:ExecutionProvider", "gpu")]
    [InlineData("Model:AllowCpuFallback", "sometimes")]
    public async Task A_value_that_is_not_one_of_the_choices_is_named(string setting, string value)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            RunningServer.StartAsync(new Dictionary<string, string?> { [setting] = value }, waitUntilReady: false));

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Model:ExecutionProvidr", "ExecutionProvidr")]
    [InlineData("ModelServer:MaxBatchSise", "MaxBatchSise")]
    public async Task A_misspelt_setting_stops_start_up_and_is_named(string setting, string named)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            RunningServer.StartAsync(new Dictionary<string, string?> { [setting] = "1" }, waitUntilReady: false));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("s3://my-models/bge-large-en-v1.5/", "my-models", "bge-large-en-v1.5/", "bge-large-en-v1.5")]
    [InlineData("s3://my-models/team/bge-large-en-v1.5", "my-models", "team/bge-large-en-v1.5/", "bge-large-en-v1.5")]
    [InlineData("s3://my.models", "my.models", "", "my.models")]
    public void An_s3_uri_gives_a_bucket_and_a_prefix_that_ends_with_a_slash(string uri, string bucket, string prefix, string name)
    {
        var location = S3ModelLocation.Parse(uri);

        Assert.Equal((bucket, prefix, name), (location.Bucket, location.Prefix, location.LastSegment));
    }

    [Fact]
    public void The_s3_endpoint_variable_points_the_client_at_a_local_endpoint_path_style()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AWS_ENDPOINT_URL_S3"] = "http://127.0.0.1:9000" }).Build();

        var config = S3ClientSettings.CreateConfig(configuration);

        Assert.Equal("http://127.0.0.1:9000/", new Uri(config.ServiceURL).ToString());
        Assert.True(config.ForcePathStyle);
    }

    [Fact]
    public void Without_the_endpoint_variable_the_client_uses_s3_itself()
    {
        var config = S3ClientSettings.CreateConfig(new ConfigurationBuilder().Build());

        Assert.Null(config.ServiceURL);
        Assert.False(config.ForcePathStyle);
    }
}
