using System.Text.Json.Nodes;
using ReferenceArchitectures.Tools.TemplateBuilder;

namespace ReferenceArchitectures.Templates.Tests;

/// <summary>`dotnet new` options of the installed package: values reach cdk.json, and a value outside a choice is refused.</summary>
[Trait("Category", "Slow")]
public sealed class TemplateOptionTests(TemplatePackageFixture package) : IClassFixture<TemplatePackageFixture>
{
    [Fact]
    public async Task Chosen_values_go_to_cdk_json_and_the_default_snapshot_is_left_out()
    {
        package.EnsureInstalled();
        var folder = Path.Combine(package.Work.FullName, "custom-settings");
        var result = await package.NewAsync("aws-ai-lambda-bedrock", "Contoso.Custom", folder,
            "--model-id", "us.amazon.nova-pro-v1:0", "--architecture", "arm64", "--memory-size-mb", "1024", "--throttling-rate-limit", "2.5");
        Assert.True(result.ExitCode == 0, result.Describe());

        var context = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "cdk.json")))!["context"]!;
        Assert.Equal("us.amazon.nova-pro-v1:0", (string?)context["lambdaBedrock:modelId"]);
        Assert.Equal("arm64", (string?)context["lambdaBedrock:architecture"]);
        Assert.Equal("1024", (string?)context["lambdaBedrock:memorySizeMb"]);
        Assert.Equal("2.5", (string?)context["lambdaBedrock:throttlingRateLimit"]);
        Assert.False(File.Exists(Path.Combine(folder, "tests", "Cdk.Tests", "Snapshots", "LambdaBedrockStack.template.json")),
            "the snapshot of the default settings was kept for other settings");
    }

    [Fact]
    public async Task Defaults_go_to_cdk_json_and_keep_the_snapshot()
    {
        package.EnsureInstalled();
        var pattern = PatternCatalog.Find("aws-ai-hybrid-pipeline");
        var folder = Path.Combine(package.Work.FullName, "default-settings");
        var result = await package.NewAsync(pattern.ShortName, "Contoso.Defaults", folder);
        Assert.True(result.ExitCode == 0, result.Describe());

        var context = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "cdk.json")))!["context"]!;
        Assert.All(pattern.Parameters, parameter => Assert.Equal(parameter.DefaultValue, (string?)context[parameter.ContextKey]));
        Assert.True(File.Exists(Path.Combine(folder, "tests", "Cdk.Tests", "Snapshots", "HybridPipelineStack.template.json")));
    }

    [Fact]
    public async Task A_value_outside_the_choices_is_refused()
    {
        package.EnsureInstalled();
        var folder = Path.Combine(package.Work.FullName, "bad-choice");

        var result = await package.NewAsync("aws-ai-fargate-model", "Contoso.Bad", folder, "--architecture", "sparc");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("sparc", result.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(folder, "cdk")), "a project was written for a refused value");
    }
}
