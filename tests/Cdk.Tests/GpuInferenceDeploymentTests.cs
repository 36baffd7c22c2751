using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ReferenceArchitectures.Cdk.GpuInference;
using ReferenceArchitectures.Cdk.Tests.Iam;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>Pattern 3 in a project whose name starts with "Aws", the way <c>dotnet new</c> names its stacks.</summary>
public sealed class AwsNamedGpuProjectFixture
{
    public const string ProjectName = "AwsEmbeddings";

    public AwsNamedGpuProjectFixture()
    {
        StackName = ReferenceArchitectureApp.StackName(ProjectName, "GpuInference");
        Stack = CdkTestApp.SynthesizeGpuInference(new GpuInferenceStackProps { StackName = StackName });
    }

    public string StackName { get; }

    public SynthesizedStack Stack { get; }
}

/// <summary>What CloudFormation and ECS do with pattern 3's GPU service and its capacity when it is deployed.</summary>
public sealed partial class GpuInferenceDeploymentTests(AwsNamedGpuProjectFixture project) : IClassFixture<AwsNamedGpuProjectFixture>
{
    [Fact]
    public void Capacity_provider_name_is_valid_in_a_project_named_Aws_something()
    {
        var template = new TemplateValues(JsonNode.Parse(project.Stack.Json)!.AsObject(), DeployTarget.Default with { StackName = project.StackName });
        var providerId = Assert.Single(template.OfType("AWS::ECS::CapacityProvider"));

        // Without a Name, CloudFormation names the provider StackName-LogicalId-RandomString
        // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-capacityprovider.html).
        var name = template.Properties(providerId)["Name"] is { } given ? template.Text(given) : $"{project.StackName}-{providerId}-ABCDEFGHIJKL";

        Assert.True(IsValidCapacityProviderName(name), $"'{name}' is not a valid capacity provider name");
    }

    [Theory]
    [InlineData("gpu-AwsEmbeddings-GpuInference", true)]
    [InlineData("AwsEmbeddings-GpuInference-Provider", false)]
    [InlineData("ecs-gpu", false)]
    [InlineData("FARGATE-x", false)]
    [InlineData("gpu provider", false)]
    public void The_name_rule_is_ECS_own(string name, bool valid) => Assert.Equal(valid, IsValidCapacityProviderName(name));

    /// <summary>
    /// ECS's rule for a capacity provider's name: up to 255 letters, digits, underscores and hyphens, not prefixed with
    /// "aws", "ecs" or "fargate" (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCapacityProvider.html);
    /// the prefix test ignores case, as the failure of aws-cdk#29151 (a stack named "Aws...") shows.
    /// </summary>
    private static bool IsValidCapacityProviderName(string name) =>
        NameCharacters().IsMatch(name) && !ReservedPrefix().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,255}$")]
    private static partial Regex NameCharacters();

    [GeneratedRegex("^(aws|ecs|fargate)", RegexOptions.IgnoreCase)]
    private static partial Regex ReservedPrefix();
}
