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

    /// <summary>GPUs per instance type, from https://aws.amazon.com/ec2/instance-types/g5/ (the types the tests use).</summary>
    private static readonly Dictionary<string, int> GpusByInstanceType = new(StringComparer.Ordinal) { ["g5.xlarge"] = 1, ["g5.12xlarge"] = 4 };

    [Fact]
    public void A_rolling_deployment_can_progress_at_every_task_count_the_scaling_allows()
    {
        var template = new ContainerTemplateQuery(project.Stack);
        var deployment = template.Only("AWS::ECS::Service").Properties["DeploymentConfiguration"]!;
        var (_, target) = template.Only("AWS::ApplicationAutoScaling::ScalableTarget");
        var (_, group) = template.Only("AWS::AutoScaling::AutoScalingGroup");
        var gpusPerTask = int.Parse((string)template.Container["ResourceRequirements"]![0]!["Value"]!, System.Globalization.CultureInfo.InvariantCulture);
        var instanceType = (string)template.Only("AWS::EC2::LaunchTemplate").Properties["LaunchTemplateData"]!["InstanceType"]!;
        var gpuSlots = int.Parse(group["MaxSize"]!.ToString(), System.Globalization.CultureInfo.InvariantCulture) * GpusByInstanceType[instanceType] / gpusPerTask;
        var (minHealthy, maximum) = ((int)deployment["MinimumHealthyPercent"]!, (int)deployment["MaximumPercent"]!);

        var stuck = Enumerable.Range(Math.Max(1, (int)target["MinCapacity"]!), (int)target["MaxCapacity"]!)
            .Where(desired => desired <= (int)target["MaxCapacity"]!)
            .Where(desired =>
            {
                // ECS keeps at least desired × minimumHealthyPercent running, rounded up, and at most desired × maximumPercent,
                // rounded down (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_definition_parameters.html).
                // A deployment moves if it may start a task on a GPU no task holds, or stop an old task first.
                var mayStart = desired * maximum / 100 > desired && gpuSlots > desired;
                var mayStop = (desired * minHealthy + 99) / 100 < desired;
                return !mayStart && !mayStop;
            })
            .ToList();

        Assert.True(stuck.Count == 0, $"A deployment at {string.Join(", ", stuck)} task(s) waits forever: min {minHealthy} %, max {maximum} %, {gpuSlots} GPU(s).");
    }

    [Fact]
    public void Props_refuse_deployment_settings_that_would_wait_forever()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new GpuInferenceStackProps { DeploymentMinHealthyPercent = 100, MaxInstances = 2, MaxTasks = 2 }.Validate());

        Assert.Equal(nameof(GpuInferenceStackProps.DeploymentMinHealthyPercent), error.ParamName);
        Assert.Contains("at 2 task(s)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Props_refuse_more_tasks_than_gpus()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new GpuInferenceStackProps { MaxInstances = 2, MaxTasks = 3 }.Validate());

        Assert.Equal(nameof(GpuInferenceStackProps.MaxTasks), error.ParamName);
    }

    [Fact]
    public void Deployments_leave_the_task_count_to_the_scaling()
    {
        // A DesiredCount in the template is applied at every update; without one, an update leaves the count as it is
        // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-service.html#cfn-ecs-service-desiredcount).
        var (_, service) = new ContainerTemplateQuery(project.Stack).Only("AWS::ECS::Service");

        Assert.Null(service["DesiredCount"]);
    }

    [Fact]
    public void Started_without_tasks_the_service_is_created_empty_and_nothing_raises_it()
    {
        var template = new ContainerTemplateQuery(CdkTestApp.SynthesizeGpuInference(new GpuInferenceStackProps { StartWithoutTasks = true }));
        var (_, service) = template.Only("AWS::ECS::Service");
        var (_, target) = template.Only("AWS::ApplicationAutoScaling::ScalableTarget");
        var (_, group) = template.Only("AWS::AutoScaling::AutoScalingGroup");

        Assert.Equal(0, (int)service["DesiredCount"]!);
        Assert.Equal(0, (int)target["MinCapacity"]!);
        Assert.Equal("0", group["MinSize"]!.ToString());
    }

    [Fact]
    public void Instances_and_tasks_run_in_the_chosen_zones()
    {
        string[] zones = ["us-east-1b", "us-east-1d"];
        var template = new ContainerTemplateQuery(CdkTestApp.SynthesizeGpuInference(new GpuInferenceStackProps { AvailabilityZones = zones }));
        var subnetZones = template.PropertiesOf("AWS::EC2::Subnet").Select(subnet => (string)subnet["AvailabilityZone"]!).Distinct().Order();

        Assert.Equal(zones, subnetZones);
    }

    [Theory]
    [InlineData("us-east-1a")]
    [InlineData("us-east-1a,us-east-1a")]
    [InlineData("us-east-1a,use1-az4")]
    public void Props_refuse_zones_that_are_not_two_zone_names(string zones)
    {
        var error = Assert.Throws<ArgumentException>(() => new GpuInferenceStackProps { AvailabilityZones = zones.Split(',') }.Validate());

        Assert.Equal(nameof(GpuInferenceStackProps.AvailabilityZones), error.ParamName);
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
