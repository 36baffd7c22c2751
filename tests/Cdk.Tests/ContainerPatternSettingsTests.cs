using Amazon.CDK;
using Amazon.CDK.AWS.ECS;
using ReferenceArchitectures.Cdk.Configuration;
using ReferenceArchitectures.Cdk.Constructs;
//#if (FargateModel)
using ReferenceArchitectures.Cdk.FargateModel;
//#endif
//#if (GpuInference)
using ReferenceArchitectures.Cdk.GpuInference;
//#endif

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>Props validation and context mapping of patterns 2 and 3.</summary>
public sealed class ContainerPatternSettingsTests
{
    //#if (FargateModel)
    [Fact]
    public void Fargate_context_values_become_typed_props()
    {
        var props = FargateModelSettings.FromContext(Node(new()
        {
            ["fargateModel:architecture"] = "x86_64",
            ["fargateModel:cpu"] = "2048",
            ["fargateModel:memoryMiB"] = 4096d,
            ["fargateModel:minTasks"] = "1",
            ["fargateModel:egress"] = "endpoints",
            ["fargateModel:certificateArn"] = "arn:aws:acm:us-east-1:123456789012:certificate/abc",
            ["fargateModel:exposure"] = "public",
            ["fargateModel:wafRateLimit"] = "2000",
            ["fargateModel:accessLogRemovalPolicy"] = "destroy",
        }), null);

        Assert.Equal(ProcessorArchitecture.X64, props.Architecture);
        Assert.Equal(2048, props.CpuUnits);
        Assert.Equal(4096, props.MemoryMiB);
        Assert.Equal(1, props.MinTasks);
        Assert.Equal(PrivateEgress.VpcEndpoints, props.Egress);
        Assert.Equal(RemovalPolicy.DESTROY, props.AccessLogRemovalPolicy);
        Assert.Equal(EndpointExposure.Public, props.Exposure);
        Assert.Equal(2000, props.RateLimitPerFiveMinutes);
    }
    //#endif

    //#if (FargateModel)
    [Theory]
    [InlineData("fargateModel:cpu", "300", "fargateModel:cpu")]
    [InlineData("fargateModel:memoryMiB", "1024", "fargateModel:memoryMiB")]
    [InlineData("fargateModel:architecture", "sparc", "fargateModel:architecture")]
    [InlineData("fargateModel:egress", "carrier-pigeon", "fargateModel:egress")]
    [InlineData("fargateModel:certificateArn", "my-cert", "fargateModel:certificateArn")]
    [InlineData("fargateModel:logRetentionDays", "31", "fargateModel:logRetentionDays")]
    [InlineData("fargateModel:memoryMiB", "2048.5", "fargateModel:memoryMiB")]
    [InlineData("fargateModel:minTasks", "-1", "fargateModel:minTasks")]
    [InlineData("fargateModel:maxTasks", "0", "fargateModel:maxTasks")]
    [InlineData("fargateModel:maxTasks", "1", "fargateModel:maxTasks")]
    [InlineData("fargateModel:cpuTargetPercent", "5", "fargateModel:cpuTargetPercent")]
    [InlineData("fargateModel:requestsPerTarget", "0", "fargateModel:requestsPerTarget")]
    [InlineData("fargateModel:natGateways", "3", "fargateModel:natGateways")]
    [InlineData("fargateModel:healthCheckGracePeriodSeconds", "-1", "fargateModel:healthCheckGracePeriodSeconds")]
    [InlineData("fargateModel:deregistrationDelaySeconds", "3601", "fargateModel:deregistrationDelaySeconds")]
    [InlineData("fargateModel:p99ResponseTimeAlarmSeconds", "0", "fargateModel:p99ResponseTimeAlarmSeconds")]
    [InlineData("fargateModel:accessLogExpirationDays", "0", "fargateModel:accessLogExpirationDays")]
    [InlineData("fargateModel:alarmEmail", "nobody", "fargateModel:alarmEmail")]
    public void Bad_fargate_context_values_stop_synthesis_naming_the_key(string key, string value, string reportedKey)
    {
        var error = Assert.Throws<ContextSettingException>(() => FargateModelSettings.FromContext(Node(new() { [key] = value }), null));

        Assert.Equal(reportedKey, error.Key);
    }
    //#endif

    //#if (FargateModel)
    [Fact]
    public void Fargate_task_of_256_cpu_units_and_1536_MiB_is_refused_naming_the_memory_setting()
    {
        // Fargate takes 512, 1024 or 2048 MiB with a quarter vCPU; the props once allowed the 1536 between them.
        var error = Assert.Throws<ContextSettingException>(() =>
            FargateModelSettings.FromContext(Node(new() { ["fargateModel:cpu"] = "256", ["fargateModel:memoryMiB"] = "1536" }), null));

        Assert.Equal("fargateModel:memoryMiB", error.Key);
        Assert.Contains("512, 1024 or 2048 MiB", error.Message, StringComparison.Ordinal);
    }
    //#endif

    //#if (FargateModel)
    [Fact]
    public void Fargate_max_tasks_below_min_tasks_is_rejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FargateModelStackProps { MinTasks = 4, MaxTasks = 3 }.Validate());

        Assert.Equal(nameof(FargateModelStackProps.MaxTasks), error.ParamName);
    }
    //#endif

    //#if (GpuInference)
    [Fact]
    public void Gpu_context_values_become_typed_props()
    {
        var props = GpuInferenceSettings.FromContext(Node(new()
        {
            ["gpuInference:instanceType"] = "g6.2xlarge",
            ["gpuInference:maxInstances"] = "4",
            ["gpuInference:amiId"] = "ami-0123456789abcdef0",
            ["gpuInference:modelS3Uri"] = "s3://my-models/bge-large/",
            ["gpuInference:allowCpuFallback"] = "true",
            ["gpuInference:rootVolumeGiB"] = "200",
        }), null);

        Assert.Equal("g6.2xlarge", props.InstanceType);
        Assert.Equal(4, props.MaxInstances);
        Assert.Equal("ami-0123456789abcdef0", props.AmiId);
        Assert.Equal(("my-models", "bge-large/"), props.ModelS3Location);
        Assert.True(props.AllowCpuFallback);
        Assert.Equal(200, props.RootVolumeGiB);
    }
    //#endif

    //#if (GpuInference)
    [Theory]
    [InlineData("gpuInference:modelS3Uri", "s3://my-models")]
    [InlineData("gpuInference:modelS3Uri", "https://my-models.s3.amazonaws.com/bge/")]
    [InlineData("gpuInference:modelS3Uri", "s3://my-models/bge-large")]
    [InlineData("gpuInference:amiId", "ubuntu-latest")]
    [InlineData("gpuInference:instanceType", "a big one")]
    [InlineData("gpuInference:rootVolumeGiB", "8")]
    [InlineData("gpuInference:desiredInstances", "7")]
    [InlineData("gpuInference:allowCpuFallback", "maybe")]
    [InlineData("gpuInference:minInstances", "-1")]
    [InlineData("gpuInference:maxInstances", "0")]
    [InlineData("gpuInference:containerCpu", "64")]
    [InlineData("gpuInference:containerMemoryMiB", "256")]
    [InlineData("gpuInference:minTasks", "-1")]
    [InlineData("gpuInference:maxTasks", "0")]
    [InlineData("gpuInference:cpuTargetPercent", "96")]
    [InlineData("gpuInference:requestsPerTarget", "0")]
    [InlineData("gpuInference:healthCheckGracePeriodSeconds", "7201")]
    [InlineData("gpuInference:deregistrationDelaySeconds", "-1")]
    [InlineData("gpuInference:p99ResponseTimeAlarmSeconds", "-1")]
    [InlineData("gpuInference:natGateways", "0")]
    [InlineData("gpuInference:certificateArn", "my-cert")]
    [InlineData("gpuInference:accessLogExpirationDays", "3651")]
    [InlineData("gpuInference:alarmEmail", "nobody")]
    [InlineData("gpuInference:startWithoutTasks", "yes")]
    [InlineData("gpuInference:deploymentMinHealthyPercent", "100")]
    [InlineData("gpuInference:deploymentMaxPercent", "201")]
    [InlineData("gpuInference:availabilityZones", "us-east-1a")]
    [InlineData("gpuInference:exposure", "open")]
    [InlineData("gpuInference:wafRateLimit", "5")]
    public void Bad_gpu_context_values_stop_synthesis_naming_the_key(string key, string value)
    {
        var error = Assert.Throws<ContextSettingException>(() => GpuInferenceSettings.FromContext(Node(new() { [key] = value }), null));

        Assert.Equal(key, error.Key);
    }

    [Fact]
    public void Gpu_zones_and_a_start_without_tasks_come_from_context()
    {
        var props = GpuInferenceSettings.FromContext(Node(new()
        {
            ["gpuInference:availabilityZones"] = "us-east-1b,us-east-1d",
            ["gpuInference:startWithoutTasks"] = "true",
        }), null);

        Assert.Equal(["us-east-1b", "us-east-1d"], props.AvailabilityZones);
        Assert.True(props.StartWithoutTasks);
    }
    //#endif

    private static global::Constructs.Node Node(Dictionary<string, object> context) =>
        new App(new AppProps { Context = context }).Node;
}

/// <summary>Non-default settings of patterns 2 and 3, each synthesized once with a public image so no Dockerfile is built.</summary>
public sealed class ContainerPatternVariantTests
{
    private static readonly ContainerImage PublicImage = ContainerImage.FromRegistry("public.ecr.aws/docker/library/busybox:stable");

    //#if (FargateModel)
    [Fact]
    public void Fargate_with_a_certificate_and_vpc_endpoints_serves_https_and_has_no_nat()
    {
        var template = new ContainerTemplateQuery(CdkTestApp.SynthesizeFargateModel(new FargateModelStackProps
        {
            Image = PublicImage,
            CertificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/abc",
            Exposure = EndpointExposure.Public,
            Egress = PrivateEgress.VpcEndpoints,
        }));

        var listeners = template.PropertiesOf("AWS::ElasticLoadBalancingV2::Listener");
        var https = Assert.Single(listeners, listener => (string?)listener["Protocol"] == "HTTPS");
        Assert.Equal("arn:aws:acm:us-east-1:123456789012:certificate/abc", (string?)https["Certificates"]![0]!["CertificateArn"]);
        Assert.StartsWith("ELBSecurityPolicy-TLS13", (string?)https["SslPolicy"], StringComparison.Ordinal);
        var redirect = Assert.Single(listeners, listener => (string?)listener["Protocol"] == "HTTP");
        Assert.Equal("redirect", (string?)redirect["DefaultActions"]![0]!["Type"]);
        Assert.Empty(template.Template.OfType("AWS::EC2::NatGateway"));
        var endpoints = template.PropertiesOf("AWS::EC2::VPCEndpoint").Select(endpoint => TemplateQuery.Render(endpoint["ServiceName"])).ToList();
        Assert.Equal(4, endpoints.Count);
        Assert.Contains(endpoints, name => name.EndsWith(".ecr.api", StringComparison.Ordinal));
        Assert.Contains(endpoints, name => name.EndsWith(".ecr.dkr", StringComparison.Ordinal));
        Assert.Contains(endpoints, name => name.EndsWith(".logs", StringComparison.Ordinal));
        Assert.Contains(endpoints, name => name.EndsWith(".s3", StringComparison.Ordinal));
    }
    //#endif

    //#if (FargateModel)
    [Fact]
    public void Fargate_on_x86_64_runs_x86_tasks_from_an_amd64_image()
    {
        var template = new ContainerTemplateQuery(CdkTestApp.SynthesizeFargateModel(new FargateModelStackProps { Architecture = ProcessorArchitecture.X64 }));

        var (_, taskDefinition) = template.Only("AWS::ECS::TaskDefinition");
        Assert.Equal("X86_64", (string?)taskDefinition["RuntimePlatform"]!["CpuArchitecture"]);
        Assert.Equal("linux/amd64", (string?)Assert.Single(template.DockerImageAssets())["platform"]);
    }
    //#endif

    //#if (GpuInference)
    [Fact]
    public void Gpu_with_an_s3_model_can_read_only_that_prefix_and_boots_the_pinned_ami()
    {
        var template = new ContainerTemplateQuery(CdkTestApp.SynthesizeGpuInference(new GpuInferenceStackProps
        {
            Image = PublicImage,
            ModelS3Uri = "s3://my-models/bge-large/",
            AmiId = "ami-0123456789abcdef0",
        }));

        var statement = Assert.Single(template.StatementsOfRole(template.TaskRoleId));
        Assert.Equal(["s3:GetObject"], TemplateQuery.Strings(statement["Action"]));
        Assert.Equal("arn:${AWS::Partition}:s3:::my-models/bge-large/*", TemplateQuery.Render(statement["Resource"]));
        Assert.Null(statement["Condition"]);
        Assert.Equal("s3", template.ContainerEnvironment[GpuInferenceStack.ModelSourceVariable]);
        Assert.Equal("s3://my-models/bge-large/", template.ContainerEnvironment[GpuInferenceStack.ModelS3UriVariable]);
        Assert.Equal("ami-0123456789abcdef0", (string?)template.Only("AWS::EC2::LaunchTemplate").Properties["LaunchTemplateData"]!["ImageId"]);
    }
    //#endif

    //#if (GpuInference)
    [Fact]
    public void Gpu_stack_with_another_serving_image_keeps_its_port_and_health_path()
    {
        var template = new ContainerTemplateQuery(CdkTestApp.SynthesizeGpuInference(new GpuInferenceStackProps
        {
            Image = ContainerImage.FromRegistry("vllm/vllm-openai:latest"),
            ContainerPort = 8000,
            HealthCheckPath = "/health",
            ReadonlyRootFilesystem = false,
            ContainerUser = null,
        }));

        var (_, targetGroup) = template.Only("AWS::ElasticLoadBalancingV2::TargetGroup");
        Assert.Equal("vllm/vllm-openai:latest", (string?)template.Container["Image"]);
        Assert.Equal(8000, (int)template.Container["PortMappings"]![0]!["ContainerPort"]!);
        Assert.Equal(8000, (int)targetGroup["Port"]!);
        Assert.Equal("/health", (string?)targetGroup["HealthCheckPath"]);
        Assert.Null(template.Container["User"]);
        Assert.Empty(template.DockerImageAssets());
    }
    //#endif
}
