using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Logs;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>The model server's container as the container patterns add it to a task definition, on its own.</summary>
public sealed class ModelServerContainerTests(ModelServerContainerTests.Fixture fixture) : IClassFixture<ModelServerContainerTests.Fixture>
{
    private readonly TemplateQuery template = fixture.Template.Query;

    private JsonObject TaskDefinition => template.OfType("AWS::ECS::TaskDefinition").Values.Single();

    private JsonNode Container => TaskDefinition["Properties"]!["ContainerDefinitions"]![0]!;

    [Fact]
    public void The_log_group_is_added_to_the_given_scope_so_its_logical_id_stays_the_stacks()
    {
        var logGroup = template.OfType("AWS::Logs::LogGroup").Single();

        Assert.Equal($"{ConstructTemplate.StackName}/{ModelServerContainer.LogGroupId}", fixture.LogGroupPath);
        Assert.Equal(logGroup.Key, (string?)Container["LogConfiguration"]!["Options"]!["awslogs-group"]!["Ref"]);
        Assert.Equal(7, (int)logGroup.Value["Properties"]!["RetentionInDays"]!);
    }

    [Fact]
    public void The_container_is_essential_listens_on_its_port_and_has_time_to_finish_requests()
    {
        Assert.True((bool)Container["Essential"]!);
        Assert.Equal(9000, (int)Container["PortMappings"]![0]!["ContainerPort"]!);
        Assert.Equal(30, (int)Container["StopTimeout"]!);
        Assert.Equal("1000", (string?)Container["User"]);
        Assert.Equal(1, Container["ResourceRequirements"]!.AsArray().Count(requirement => (string?)requirement!["Type"] == "GPU"));
    }

    [Fact]
    public void A_read_only_root_still_has_a_writable_tmp()
    {
        var mount = Assert.Single(Container["MountPoints"]!.AsArray())!;

        Assert.True((bool)Container["ReadonlyRootFilesystem"]!);
        Assert.Equal("/tmp", (string?)mount["ContainerPath"]);
        Assert.False((bool)mount["ReadOnly"]!);
        Assert.Equal((string?)mount["SourceVolume"], (string?)Assert.Single(TaskDefinition["Properties"]!["Volumes"]!.AsArray())!["Name"]);
    }

    [Fact]
    public void The_environment_is_acknowledged_with_the_reason_given()
    {
        var rules = TaskDefinition["Metadata"]!["cdk_nag"]!["rules_to_suppress"]!.AsArray();

        Assert.Equal("8000", (string?)Container["Environment"]![0]!["Value"]);
        Assert.Contains(rules, rule => (string?)rule!["id"] == "AwsSolutions-ECS2" && (string?)rule["reason"] == NagReasons.ModelServerEnvironment);
    }

    public sealed class Fixture
    {
        public Fixture()
        {
            Template = ConstructTemplate.Synthesize(stack =>
            {
                var taskDefinition = new Ec2TaskDefinition(stack, "Task");
                _ = ModelServerContainer.AddTo(stack, taskDefinition, new ModelServerContainerOptions
                {
                    ContainerName = "Server",
                    Image = ContainerImage.FromRegistry("public.ecr.aws/example/server:1"),
                    Port = 9000,
                    User = "1000",
                    ReadonlyRootFilesystem = true,
                    Environment = new Dictionary<string, string> { ["ASPNETCORE_HTTP_PORTS"] = "8000" },
                    EnvironmentReason = NagReasons.ModelServerEnvironment,
                    GpuCount = 1,
                    MemoryLimitMiB = 1024,
                    LogRetention = RetentionDays.ONE_WEEK,
                    LogRemovalPolicy = RemovalPolicy.DESTROY,
                });
                LogGroupPath = stack.Node.FindChild(ModelServerContainer.LogGroupId).Node.Path;
            });
        }

        public ConstructTemplate Template { get; }

        public string LogGroupPath { get; private set; } = string.Empty;
    }
}
