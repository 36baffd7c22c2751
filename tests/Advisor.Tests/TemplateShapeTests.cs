using ReferenceArchitectures.Cdk.LambdaBedrock;
using ReferenceArchitectures.Cdk.LambdaModel;
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
    public void Pattern_5_template_gives_the_model_functions_memory_architecture_and_provisioned_concurrency()
    {
        var (shapes, notes) = TemplateShapeReader.Apply(DeploymentShapes.Defaults with { LambdaModel = new LambdaModelShape(512, CpuArchitecture.Arm64, 3) },
            app.TemplatePath(LambdaModelStack.ConstructId));

        Assert.Equal(DeploymentShapes.Defaults.LambdaModel, shapes.LambdaModel);
        Assert.Equal(DeploymentShapes.Defaults.LambdaBedrock, shapes.LambdaBedrock);
        Assert.Contains(notes, note => note.Contains("pattern 5", StringComparison.Ordinal));
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

            Assert.Equal(new FargateServiceShape(2048, 8192, CpuArchitecture.X64, 3, 12, 50, 2) { Endpoint = new(SignedApi: false) }, shapes.FargateModel);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary>A hand-written pattern-5 template: its model function (handler embeddings-api) is read, not pattern 1's shape.</summary>
public sealed class LambdaModelTemplateReaderTests
{
    [Fact]
    public void A_model_function_template_gives_its_memory_architecture_and_provisioned_concurrency()
    {
        var path = Path.Combine(Path.GetTempPath(), $"lambda-model-{Guid.NewGuid():N}.template.json");
        File.WriteAllText(path, """
            { "Resources": {
              "Fn": { "Type": "AWS::Lambda::Function", "Properties": { "Handler": "embeddings-api", "Runtime": "provided.al2023", "MemorySize": 3008, "Architectures": ["arm64"] } },
              "Live": { "Type": "AWS::Lambda::Alias", "Properties": { "ProvisionedConcurrencyConfig": { "ProvisionedConcurrentExecutions": 2 } } } } }
            """);
        try
        {
            var (shapes, _) = TemplateShapeReader.Apply(DeploymentShapes.Defaults, path);

            Assert.Equal(new LambdaModelShape(3008, CpuArchitecture.Arm64, 2), shapes.LambdaModel);
            Assert.Equal(DeploymentShapes.Defaults.LambdaBedrock, shapes.LambdaBedrock);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary>What patterns 2 and 3 put in front of the load balancer is priced too.</summary>
public sealed class EndpointPricingTests
{
    private static readonly Tools.Advisor.Workload.WorkloadProfile MillionRequestsADay =
        new Tools.Advisor.Workload.WorkloadProfile { RequestsPerDay = 1_000_000 }.Validated();

    [Fact]
    public void The_default_signed_api_is_priced_per_request_for_both_container_patterns()
    {
        var estimator = TestPrices.Estimator();

        foreach (var estimate in new[] { estimator.EstimateFargateModel(MillionRequestsADay), estimator.EstimateGpuInference(MillionRequestsADay) })
        {
            var api = Assert.Single(estimate.LineItems, item => item.Name == "API Gateway HTTP API");
            // About 30.4 million requests a month at $1.00 per million (the first 300 million).
            Assert.InRange(api.MonthlyUsd, 30, 31);
            Assert.DoesNotContain(estimate.LineItems, item => item.Name.StartsWith("WAF", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Callers_in_the_vpc_are_priced_with_an_internal_endpoint_and_no_api()
    {
        var estimate = TestPrices.Estimator().EstimateFargateModel(MillionRequestsADay with { CallersInVpc = true });

        Assert.DoesNotContain(estimate.LineItems, item => item.Name == "API Gateway HTTP API");
        Assert.Contains(estimate.Notes, note => note.Contains("exposure=internal", StringComparison.Ordinal));
    }

    [Fact]
    public void A_rate_limit_adds_the_web_acl_its_rule_and_its_requests()
    {
        var shapes = DeploymentShapes.Defaults with
        {
            FargateModel = DeploymentShapes.Defaults.FargateModel with { Endpoint = new(SignedApi: false, WebAcl: true) },
        };
        var estimate = new CostEstimator(TestPrices.Repository, shapes).EstimateFargateModel(MillionRequestsADay);

        Assert.DoesNotContain(estimate.LineItems, item => item.Name == "API Gateway HTTP API");
        Assert.Equal(6.00, Assert.Single(estimate.LineItems, item => item.Name == "WAF web ACL").MonthlyUsd, 2);
        Assert.InRange(Assert.Single(estimate.LineItems, item => item.Name == "WAF requests").MonthlyUsd, 18, 19);
    }

    [Fact]
    public void A_template_with_an_http_api_and_a_web_acl_is_read_as_such()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fargate-{Guid.NewGuid():N}.template.json");
        File.WriteAllText(path, """
            { "Resources": {
              "Service": { "Type": "AWS::ECS::Service", "Properties": {} },
              "Task": { "Type": "AWS::ECS::TaskDefinition", "Properties": { "RequiresCompatibilities": ["FARGATE"], "Cpu": "1024", "Memory": "2048" } },
              "Api": { "Type": "AWS::ApiGatewayV2::Api", "Properties": {} },
              "Acl": { "Type": "AWS::WAFv2::WebACL", "Properties": {} } } }
            """);
        try
        {
            var (shapes, _) = TemplateShapeReader.Apply(DeploymentShapes.Defaults, path);

            Assert.Equal(new EndpointShape(SignedApi: true, WebAcl: true), shapes.FargateModel.Endpoint);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
