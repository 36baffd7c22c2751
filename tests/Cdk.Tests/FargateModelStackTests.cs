using System.Text.Json.Nodes;
using ReferenceArchitectures.Cdk.Constructs;
using ReferenceArchitectures.Cdk.FargateModel;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>Pattern 2 as Program.cs builds it from cdk.json (all defaults).</summary>
[Collection(SynthesizedApp.Name)]
public sealed class FargateModelStackTests(SynthesizedAppFixture app)
{
    private readonly ContainerTemplateQuery template = new(app.FargateModel);

    [Fact]
    public void Tasks_run_in_private_subnets_without_public_ips()
    {
        var network = template.Only("AWS::ECS::Service").Properties["NetworkConfiguration"]!["AwsvpcConfiguration"]!;

        Assert.Equal("DISABLED", (string?)network["AssignPublicIp"]);
        var subnets = network["Subnets"]!.AsArray();
        Assert.Equal(2, subnets.Count);
        Assert.All(subnets, subnet => Assert.True(template.IsPrivateSubnet(subnet), $"{subnet} is not a private subnet"));
    }

    [Fact]
    public void Load_balancer_is_internal_in_the_private_subnets()
    {
        var (_, loadBalancer) = template.Only("AWS::ElasticLoadBalancingV2::LoadBalancer");

        Assert.Equal("internal", (string?)loadBalancer["Scheme"]);
        Assert.All(loadBalancer["Subnets"]!.AsArray(), subnet => Assert.True(template.IsPrivateSubnet(subnet), $"{subnet} is not a private subnet"));
    }

    [Fact]
    public void Target_group_checks_readiness_and_drains_for_30_seconds()
    {
        var (_, targetGroup) = template.Only("AWS::ElasticLoadBalancingV2::TargetGroup");

        Assert.Equal("/health/ready", (string?)targetGroup["HealthCheckPath"]);
        Assert.Equal(8080, (int)targetGroup["Port"]!);
        Assert.Equal("ip", (string?)targetGroup["TargetType"]);
        Assert.Contains(targetGroup["TargetGroupAttributes"]!.AsArray(),
            attribute => (string?)attribute!["Key"] == "deregistration_delay.timeout_seconds" && (string?)attribute["Value"] == "30");
    }

    [Fact]
    public void Plain_http_listener_without_a_certificate()
    {
        var listener = Assert.Single(template.PropertiesOf("AWS::ElasticLoadBalancingV2::Listener"));

        Assert.Equal("HTTP", (string?)listener["Protocol"]);
        Assert.Equal(80, (int)listener["Port"]!);
    }

    [Fact]
    public void Service_scales_between_2_and_10_tasks_on_cpu_and_requests_per_target()
    {
        var (_, target) = template.Only("AWS::ApplicationAutoScaling::ScalableTarget");
        var metrics = template.PropertiesOf("AWS::ApplicationAutoScaling::ScalingPolicy")
            .Select(policy => (string)policy["TargetTrackingScalingPolicyConfiguration"]!["PredefinedMetricSpecification"]!["PredefinedMetricType"]!)
            .Order();

        Assert.Equal(2, (int)target["MinCapacity"]!);
        Assert.Equal(10, (int)target["MaxCapacity"]!);
        Assert.Equal(["ALBRequestCountPerTarget", "ECSServiceAverageCPUUtilization"], metrics);
    }

    [Fact]
    public void Deployments_leave_the_task_count_to_the_scaling()
    {
        // A DesiredCount in the template is applied at every update and undoes the scaling (aws-cdk#3919); without one,
        // an update leaves the count as it is
        // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-service.html#cfn-ecs-service-desiredcount).
        var (_, service) = template.Only("AWS::ECS::Service");

        Assert.Null(service["DesiredCount"]);
    }

    [Fact]
    public void Cluster_has_container_insights()
    {
        var (_, cluster) = template.Only("AWS::ECS::Cluster");

        Assert.Contains(cluster["ClusterSettings"]!.AsArray(),
            setting => (string?)setting!["Name"] == "containerInsights" && (string?)setting["Value"] == "enabled");
    }

    [Fact]
    public void Failed_deployment_rolls_back()
    {
        var (_, service) = template.Only("AWS::ECS::Service");

        var breaker = service["DeploymentConfiguration"]!["DeploymentCircuitBreaker"]!;
        Assert.True((bool)breaker["Enable"]!);
        Assert.True((bool)breaker["Rollback"]!);
        Assert.Equal(60, (int)service["HealthCheckGracePeriodSeconds"]!);
    }

    [Fact]
    public void Access_logs_go_to_an_encrypted_ssl_only_private_bucket_that_expires_them()
    {
        var (_, loadBalancer) = template.Only("AWS::ElasticLoadBalancingV2::LoadBalancer");
        var (bucketId, bucket) = template.Only("AWS::S3::Bucket");
        var (_, bucketPolicy) = template.Only("AWS::S3::BucketPolicy");
        var attributes = loadBalancer["LoadBalancerAttributes"]!.AsArray().ToDictionary(a => (string)a!["Key"]!, a => TemplateQuery.Render(a!["Value"]));

        Assert.Equal("true", attributes["access_logs.s3.enabled"]);
        Assert.Equal("${" + bucketId + "}", attributes["access_logs.s3.bucket"]);
        Assert.Equal("AES256", (string?)bucket["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]);
        Assert.All(["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"],
            setting => Assert.True((bool)bucket["PublicAccessBlockConfiguration"]![setting]!));
        Assert.Equal(90, (int)bucket["LifecycleConfiguration"]!["Rules"]![0]!["ExpirationInDays"]!);
        Assert.Contains(bucketPolicy["PolicyDocument"]!["Statement"]!.AsArray(),
            statement => (string?)statement!["Effect"] == "Deny" && statement["Condition"]?["Bool"]?["aws:SecureTransport"]?.ToString() == "false");
    }

    [Fact]
    public void Container_runs_as_non_root_on_a_read_only_root_with_a_writable_tmp()
    {
        var container = template.Container;
        var (_, taskDefinition) = template.Only("AWS::ECS::TaskDefinition");

        Assert.Equal(FargateModelStack.NonRootUser, (string?)container["User"]);
        Assert.True((bool)container["ReadonlyRootFilesystem"]!);
        var mount = Assert.Single(container["MountPoints"]!.AsArray());
        Assert.Equal("/tmp", (string?)mount!["ContainerPath"]);
        Assert.False((bool)mount["ReadOnly"]!);
        Assert.Contains(taskDefinition["Volumes"]!.AsArray(), volume => (string?)volume!["Name"] == (string?)mount["SourceVolume"]);
    }

    [Fact]
    public void Task_runs_on_graviton_with_1_vCPU_and_2_GB()
    {
        var (_, taskDefinition) = template.Only("AWS::ECS::TaskDefinition");

        Assert.Equal("ARM64", (string?)taskDefinition["RuntimePlatform"]!["CpuArchitecture"]);
        Assert.Equal("1024", (string?)taskDefinition["Cpu"]);
        Assert.Equal("2048", (string?)taskDefinition["Memory"]);
    }

    [Fact]
    public void Task_role_has_no_permissions()
    {
        var roleId = template.TaskRoleId;
        var role = template.Template.Resource(roleId)["Properties"]!;

        Assert.Empty(template.StatementsOfRole(roleId));
        Assert.Null(role["ManagedPolicyArns"]);
        Assert.Null(role["Policies"]);
    }

    [Fact]
    public void Tasks_accept_traffic_only_from_the_load_balancer_and_from_inside_the_vpc()
    {
        var serviceGroup = (string)template.Only("AWS::ECS::Service").Properties["NetworkConfiguration"]!["AwsvpcConfiguration"]!["SecurityGroups"]![0]!["Fn::GetAtt"]![0]!;
        var loadBalancerGroup = (string)template.Only("AWS::ElasticLoadBalancingV2::LoadBalancer").Properties["SecurityGroups"]![0]!["Fn::GetAtt"]![0]!;
        var vpcCidr = (string)template.Only("AWS::EC2::VPC").Properties["CidrBlock"]!;

        var inlineIngress = template.Template.Resource(serviceGroup)["Properties"]!["SecurityGroupIngress"]?.AsArray() ?? [];
        var ingress = template.PropertiesOf("AWS::EC2::SecurityGroupIngress")
            .Where(rule => (string?)rule["GroupId"]!["Fn::GetAtt"]![0] == serviceGroup)
            .Concat(inlineIngress.Select(rule => rule!.AsObject()))
            .ToList();

        // The load balancer for the API; a metrics scraper in the VPC for /metrics, which the load balancer never forwards.
        Assert.Equal(2, ingress.Count);
        Assert.All(ingress, rule => Assert.Equal((8080, 8080), ((int)rule["FromPort"]!, (int)rule["ToPort"]!)));
        Assert.Contains(ingress, rule => (string?)rule["SourceSecurityGroupId"]?["Fn::GetAtt"]?[0] == loadBalancerGroup);
        Assert.Contains(ingress, rule => (string?)rule["CidrIp"] == vpcCidr);
    }

    [Fact]
    public void Alarms_watch_target_5xx_unhealthy_hosts_and_p99_response_time()
    {
        var alarms = template.PropertiesOf("AWS::CloudWatch::Alarm");
        var topicId = template.Only("AWS::SNS::Topic").Id;

        Assert.Equal(["HTTPCode_Target_5XX_Count", "TargetResponseTime", "UnHealthyHostCount"], alarms.Select(alarm => (string)alarm["MetricName"]!).Order());
        Assert.Equal("p99", (string?)alarms.Single(alarm => (string?)alarm["MetricName"] == "TargetResponseTime")["ExtendedStatistic"]);
        Assert.All(alarms, alarm => Assert.Equal(topicId, (string?)alarm["AlarmActions"]![0]!["Ref"]));
    }

    [Fact]
    public void Every_log_group_has_an_explicit_retention()
    {
        var logGroups = template.PropertiesOf("AWS::Logs::LogGroup");

        Assert.NotEmpty(logGroups);
        Assert.All(logGroups, logGroup => Assert.Equal(30, (int)logGroup["RetentionInDays"]!));
    }

    [Fact]
    public void Image_is_built_for_arm64_from_the_model_server_dockerfile_with_a_small_context()
    {
        var image = Assert.Single(template.DockerImageAssets());
        var context = Path.Combine(template.OutputDirectory, (string)image["directory"]!);
        var topLevel = Directory.EnumerateFileSystemEntries(context).Select(Path.GetFileName).Order().ToList();

        Assert.Equal(DockerfileImage.ModelServerCpuDockerfile, (string?)image["dockerFile"]);
        Assert.Equal("linux/arm64", (string?)image["platform"]);
        Assert.Equal(["Directory.Build.props", "Directory.Packages.props", "containers", "lib"], topLevel);
        Assert.Equal(["Embeddings"], Directory.EnumerateDirectories(Path.Combine(context, "lib")).Select(Path.GetFileName));
        Assert.Equal(["ModelServer"], Directory.EnumerateDirectories(Path.Combine(context, "containers")).Select(Path.GetFileName));
        Assert.False(Directory.Exists(Path.Combine(context, "containers", "ModelServer", "bin")), "build output was copied into the image context");
    }

    [Fact]
    public void Stateful_resources_keep_their_logical_ids()
    {
        var bucketId = template.Only("AWS::S3::Bucket").Id;

        Assert.Equal("PublicEndpointAccessLogs7F52BE2E", bucketId);
        Assert.Equal("Retain", (string?)template.Template.Resource(bucketId)["DeletionPolicy"]);
    }

    public static TheoryData<bool> Pinned() => [false, true];

    [Theory]
    [MemberData(nameof(Pinned))]
    public void A_destroyed_access_log_bucket_is_emptied_only_after_the_load_balancer_is_gone(bool pinned)
    {
        // CloudFormation deletes a resource before every resource it depends on
        // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-dependson.html). The
        // emptying custom resource denies new objects, then deletes those there are; a load balancer still running
        // at that moment writes logs after it (aws-cdk#16332), and the bucket's deletion then fails.
        var props = new FargateModelStackProps
        {
            AccessLogRemovalPolicy = Amazon.CDK.RemovalPolicy.DESTROY,
            Env = pinned ? new Amazon.CDK.Environment { Account = "123456789012", Region = "eu-west-1" } : null,
        };
        var template = new ContainerTemplateQuery(CdkTestApp.SynthesizeFargateModel(props));
        var loadBalancer = template.Only("AWS::ElasticLoadBalancingV2::LoadBalancer").Id;
        var emptying = template.Only("Custom::S3AutoDeleteObjects").Id;

        Assert.Contains(emptying, DependsOnTransitively(template, loadBalancer));
    }

    private static HashSet<string> DependsOnTransitively(ContainerTemplateQuery template, string logicalId)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([logicalId]);
        while (pending.TryPop(out var id))
        {
            var dependencies = template.Template.Resource(id)["DependsOn"] is null ? [] : template.DependsOn(id);
            foreach (var dependency in dependencies.Where(found.Add))
            {
                pending.Push(dependency);
            }
        }

        return found;
    }

    [Fact]
    public void Template_matches_its_snapshot() => Snapshot.Verify(app.FargateModel);

    [Fact]
    public void Resources_that_hold_data_keep_their_logical_ids() =>
        Assert.Equal(
            [
                "AWS::Logs::LogGroup ModelServerLogsF2B8FD5E",
                "AWS::Logs::LogGroup NetworkFlowLogs2BEC3212",
                "AWS::Logs::LogGroup PublicEndpointApiAccessLogsE7C82DF2",
                "AWS::S3::Bucket PublicEndpointAccessLogs7F52BE2E",
            ],
            DataResources.LogicalIds(app.FargateModel));
}
