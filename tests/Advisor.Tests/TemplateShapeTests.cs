using ReferenceArchitectures.Cdk.LambdaBedrock;
using ReferenceArchitectures.Tools.Advisor.Estimation;
using ReferenceArchitectures.Tools.Advisor.Pricing;

namespace ReferenceArchitectures.Advisor.Tests;

/// <summary>--from-template reads what the synthesized stacks deploy; with default props that equals the advisor's defaults.</summary>
[Collection(SynthesizedAppGroup.Name)]
public sealed class TemplateShapeTests(SynthesizedAppFixture app)
{
    [Fact]
    public void Pattern_1_template_gives_the_functions_memory_architecture_and_provisioned_concurrency()
    {
        var (shapes, notes) = TemplateShapeReader.Apply(DeploymentShapes.Defaults with { LambdaBedrock = new LambdaShape(128, CpuArchitecture.Arm64, 7) },
            app.TemplatePath(LambdaBedrockStack.ConstructId));

        Assert.Equal(DeploymentShapes.Defaults.LambdaBedrock, shapes.LambdaBedrock);
        Assert.Contains(notes, note => note.Contains("pattern 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_synthesized_stack_is_recognised_as_one_of_the_patterns()
    {
        foreach (var (stackName, _) in app.Templates)
        {
            var (_, notes) = TemplateShapeReader.Apply(DeploymentShapes.Defaults, app.TemplatePath(stackName));

            Assert.Single(notes);
        }
    }
}

/// <summary>Reading a hand-written template, so that each field is checked against a value that differs from the defaults.</summary>
public sealed class TemplateReaderTests
{
    [Fact]
    public void A_fargate_template_gives_task_size_architecture_scaling_bounds_and_nat_gateways()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fargate-{Guid.NewGuid():N}.template.json");
        File.WriteAllText(path, """
            { "Resources": {
              "Service": { "Type": "AWS::ECS::Service", "Properties": {} },
              "Task": { "Type": "AWS::ECS::TaskDefinition", "Properties": { "RequiresCompatibilities": ["FARGATE"], "Cpu": "2048", "Memory": "8192",
                        "RuntimePlatform": { "CpuArchitecture": "X86_64" } } },
              "Target": { "Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": { "MinCapacity": 3, "MaxCapacity": 12 } },
              "Cpu": { "Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": { "TargetTrackingScalingPolicyConfiguration": {
                        "PredefinedMetricSpecification": { "PredefinedMetricType": "ECSServiceAverageCPUUtilization" }, "TargetValue": 50 } } },
              "Nat1": { "Type": "AWS::EC2::NatGateway", "Properties": {} },
              "Nat2": { "Type": "AWS::EC2::NatGateway", "Properties": {} } } }
            """);
        try
        {
            var (shapes, _) = TemplateShapeReader.Apply(DeploymentShapes.Defaults, path);

            Assert.Equal(new FargateServiceShape(2048, 8192, CpuArchitecture.X64, 3, 12, 50, 2), shapes.FargateModel);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
