using System.Text.Json.Nodes;
using ReferenceArchitectures.Cdk.Constructs;
using ReferenceArchitectures.Cdk.GpuInference;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>Pattern 3 as Program.cs builds it from cdk.json (all defaults: g5.xlarge, the embedded model).</summary>
[Collection(SynthesizedApp.Name)]
public sealed class GpuInferenceStackTests(SynthesizedAppFixture app)
{
    private readonly ContainerTemplateQuery template = new(app.GpuInference);

    private JsonObject LaunchTemplate => template.Only("AWS::EC2::LaunchTemplate").Properties["LaunchTemplateData"]!.AsObject();

    [Fact]
    public void Instances_are_g5_xlarge_booting_the_ecs_gpu_ami_from_its_public_parameter()
    {
        var imageParameter = (string)LaunchTemplate["ImageId"]!["Ref"]!;
        var parameter = template.Root["Parameters"]![imageParameter]!;

        Assert.Equal("g5.xlarge", (string?)LaunchTemplate["InstanceType"]);
        Assert.Equal(GpuInferenceStack.GpuAmiParameter, (string?)parameter["Default"]);
        Assert.Equal("AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", (string?)parameter["Type"]);
    }

    [Fact]
    public void Instances_require_imdsv2_and_containers_cannot_reach_instance_metadata()
    {
        var metadata = LaunchTemplate["MetadataOptions"]!;

        Assert.Equal("required", (string?)metadata["HttpTokens"]);
        Assert.Equal(1, (int)metadata["HttpPutResponseHopLimit"]!);
        Assert.Contains("ECS_AWSVPC_BLOCK_IMDS=true", LaunchTemplate["UserData"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void User_data_runs_on_amazon_linux_2023()
    {
        // The ECS GPU AMI is Amazon Linux 2023, which has no iptables service: `service iptables save` fails there.
        var commands = string.Join("", TemplateQuery.Strings(LaunchTemplate["UserData"]!["Fn::Base64"]!["Fn::Join"]![1])).Split('\n');

        Assert.Equal("#!/bin/bash", commands[0]);
        Assert.DoesNotContain(commands, command => command.Contains("service iptables", StringComparison.Ordinal));
        Assert.Contains("echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config", commands);
    }

    [Fact]
    public void Root_volume_is_encrypted_gp3_of_100_GiB()
    {
        var volume = Assert.Single(LaunchTemplate["BlockDeviceMappings"]!.AsArray())!;

        Assert.Equal("/dev/xvda", (string?)volume["DeviceName"]);
        Assert.True((bool)volume["Ebs"]!["Encrypted"]!);
        Assert.Equal("gp3", (string?)volume["Ebs"]!["VolumeType"]);
        Assert.Equal(100, (int)volume["Ebs"]!["VolumeSize"]!);
    }

    [Fact]
    public void Instances_have_detailed_monitoring_no_public_ip_and_live_in_private_subnets()
    {
        var (_, group) = template.Only("AWS::AutoScaling::AutoScalingGroup");

        Assert.True((bool)LaunchTemplate["Monitoring"]!["Enabled"]!);
        Assert.All(LaunchTemplate["NetworkInterfaces"]!.AsArray(), nic => Assert.False((bool)nic!["AssociatePublicIpAddress"]!));
        Assert.All(group["VPCZoneIdentifier"]!.AsArray(), subnet => Assert.True(template.IsPrivateSubnet(subnet), $"{subnet} is not a private subnet"));
    }

    [Fact]
    public void Container_reserves_one_gpu()
    {
        var requirement = Assert.Single(template.Container["ResourceRequirements"]!.AsArray())!;

        Assert.Equal("GPU", (string?)requirement["Type"]);
        Assert.Equal("1", (string?)requirement["Value"]);
    }

    [Fact]
    public void Service_places_tasks_through_the_gpu_capacity_provider()
    {
        var (_, service) = template.Only("AWS::ECS::Service");
        var (providerId, provider) = template.Only("AWS::ECS::CapacityProvider");
        var (groupId, group) = template.Only("AWS::AutoScaling::AutoScalingGroup");

        var strategy = Assert.Single(service["CapacityProviderStrategy"]!.AsArray())!;
        Assert.Equal(providerId, (string?)strategy["CapacityProvider"]!["Ref"]);
        Assert.Null(service["LaunchType"]);
        var asgProvider = provider["AutoScalingGroupProvider"]!;
        Assert.Equal(groupId, (string?)asgProvider["AutoScalingGroupArn"]!["Ref"]);
        Assert.Equal("ENABLED", (string?)asgProvider["ManagedScaling"]!["Status"]);
        Assert.Equal("ENABLED", (string?)asgProvider["ManagedTerminationProtection"]);
        Assert.True((bool)group["NewInstancesProtectedFromScaleIn"]!);
        Assert.Equal("0", group["MinSize"]!.ToString());
        Assert.Null(group["DesiredCapacity"]);
    }

    [Fact]
    public void Service_is_deleted_before_the_capacity_provider_association()
    {
        var serviceId = template.Only("AWS::ECS::Service").Id;
        var associationId = template.Only("AWS::ECS::ClusterCapacityProviderAssociations").Id;

        Assert.Contains(associationId, template.DependsOn(serviceId));
    }

    [Fact]
    public void Scale_in_protection_is_released_after_the_capacity_provider_is_gone_and_before_the_group_is_deleted()
    {
        var (releaseId, release) = template.Only("Custom::ScaleInProtectionRelease");
        var providerId = template.Only("AWS::ECS::CapacityProvider").Id;
        var groupId = template.Only("AWS::AutoScaling::AutoScalingGroup").Id;

        // CloudFormation deletes a resource before the resources it depends on.
        Assert.Contains(releaseId, template.DependsOn(providerId));
        Assert.Equal(groupId, (string?)release["AutoScalingGroupName"]!["Ref"]);
    }

    [Fact]
    public void Release_handler_can_change_only_its_own_group()
    {
        var function = template.PropertiesOf("AWS::Lambda::Function").Single(function => (string?)function["Handler"] == "index.handler" && ((string?)function["Runtime"])?.StartsWith("python", StringComparison.Ordinal) == true);
        var roleId = (string)function["Role"]!["Fn::GetAtt"]![0]!;
        var groupId = template.Only("AWS::AutoScaling::AutoScalingGroup").Id;

        var writes = template.StatementsOfRole(roleId)
            .Where(statement => TemplateQuery.Strings(statement["Action"]).Any(action => action.StartsWith("autoscaling:", StringComparison.Ordinal) && !action.StartsWith("autoscaling:Describe", StringComparison.Ordinal)))
            .ToList();

        var statement = Assert.Single(writes);
        Assert.Equal(["autoscaling:SetInstanceProtection", "autoscaling:UpdateAutoScalingGroup"], TemplateQuery.Strings(statement["Action"]).Order());
        Assert.EndsWith(":autoScalingGroup:*:autoScalingGroupName/${" + groupId + "}", TemplateQuery.Render(statement["Resource"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Task_role_has_no_permissions_with_the_embedded_model()
    {
        Assert.Empty(template.StatementsOfRole(template.TaskRoleId));
    }

    [Fact]
    public void Server_is_told_to_use_cuda_without_cpu_fallback_and_the_embedded_model()
    {
        var environment = template.ContainerEnvironment;

        Assert.Equal("embedded", environment[GpuInferenceStack.ModelSourceVariable]);
        Assert.Equal("cuda", environment[GpuInferenceStack.ExecutionProviderVariable]);
        Assert.Equal("false", environment[GpuInferenceStack.AllowCpuFallbackVariable]);
        Assert.False(environment.ContainsKey(GpuInferenceStack.ModelS3UriVariable));
    }

    [Fact]
    public void Container_runs_as_non_root_on_a_read_only_root_with_a_writable_tmp()
    {
        var container = template.Container;

        Assert.Equal("1654", (string?)container["User"]);
        Assert.True((bool)container["ReadonlyRootFilesystem"]!);
        Assert.Equal("/tmp", (string?)container["MountPoints"]![0]!["ContainerPath"]);
    }

    [Fact]
    public void New_tasks_get_ten_minutes_to_load_the_model_and_failed_deployments_roll_back()
    {
        var (_, service) = template.Only("AWS::ECS::Service");

        Assert.Equal(600, (int)service["HealthCheckGracePeriodSeconds"]!);
        Assert.True((bool)service["DeploymentConfiguration"]!["DeploymentCircuitBreaker"]!["Rollback"]!);
        Assert.Equal("DISABLED", (string?)service["NetworkConfiguration"]!["AwsvpcConfiguration"]!["AssignPublicIp"]);
    }

    [Fact]
    public void Service_scales_on_requests_per_target_behind_a_readiness_checked_target_group()
    {
        var (_, targetGroup) = template.Only("AWS::ElasticLoadBalancingV2::TargetGroup");
        var metrics = template.PropertiesOf("AWS::ApplicationAutoScaling::ScalingPolicy")
            .Select(policy => (string)policy["TargetTrackingScalingPolicyConfiguration"]!["PredefinedMetricSpecification"]!["PredefinedMetricType"]!);

        Assert.Equal("/health/ready", (string?)targetGroup["HealthCheckPath"]);
        Assert.Contains("ALBRequestCountPerTarget", metrics);
    }

    [Fact]
    public void Alarms_watch_the_targets_and_gpu_capacity()
    {
        var alarms = template.PropertiesOf("AWS::CloudWatch::Alarm");
        var single = alarms.Where(alarm => alarm["MetricName"] is not null).Select(alarm => (string)alarm["MetricName"]!);
        var expressions = alarms.Where(alarm => alarm["Metrics"] is not null)
            .SelectMany(alarm => alarm["Metrics"]!.AsArray())
            .Select(metric => (string?)metric!["MetricStat"]?["Metric"]?["MetricName"])
            .OfType<string>();

        Assert.Equal(["CapacityProviderReservation", "HTTPCode_Target_5XX_Count", "TargetResponseTime", "UnHealthyHostCount"], single.Order());
        Assert.Equal(["GroupDesiredCapacity", "GroupInServiceInstances"], expressions.Order());
    }

    [Fact]
    public void The_group_publishes_the_metrics_its_capacity_alarm_compares()
    {
        // Auto Scaling publishes group metrics only when collection is on; with no list, it publishes all of them
        // (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-metrics.html).
        var (_, group) = template.Only("AWS::AutoScaling::AutoScalingGroup");
        var collection = Assert.Single(group["MetricsCollection"]!.AsArray())!;
        var listed = collection["Metrics"] is { } metrics ? TemplateQuery.Strings(metrics).ToList() : null;

        Assert.Equal("1Minute", (string?)collection["Granularity"]);
        Assert.True(listed is null || (listed.Contains("GroupDesiredCapacity") && listed.Contains("GroupInServiceInstances")));
    }

    [Fact]
    public void Image_is_built_for_x86_from_the_cuda_dockerfile()
    {
        var image = Assert.Single(template.DockerImageAssets());

        Assert.Equal(DockerfileImage.ModelServerGpuDockerfile, (string?)image["dockerFile"]);
        Assert.Equal("linux/amd64", (string?)image["platform"]);
    }

    [Fact]
    public void Stateful_resources_keep_their_logical_ids()
    {
        Assert.Equal("PublicEndpointAccessLogs7F52BE2E", template.Only("AWS::S3::Bucket").Id);
    }

    [Fact]
    public void Template_matches_its_snapshot() => Snapshot.Verify(app.GpuInference);

    [Fact]
    public void Resources_that_hold_data_keep_their_logical_ids() =>
        Assert.Equal(
            [
                "AWS::Logs::LogGroup ModelServerLogsF2B8FD5E",
                "AWS::Logs::LogGroup NetworkFlowLogs2BEC3212",
                "AWS::Logs::LogGroup PublicEndpointApiAccessLogsE7C82DF2",
                "AWS::Logs::LogGroup TeardownReleaseLogs07292161",
                "AWS::S3::Bucket PublicEndpointAccessLogs7F52BE2E",
            ],
            DataResources.LogicalIds(app.GpuInference));
}
