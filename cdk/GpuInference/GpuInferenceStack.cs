using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.AutoScaling;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Ecr.Assets;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Constructs;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.GpuInference;

/// <summary>
/// Pattern 3: the model server built for CUDA, one task per GPU on g5 instances in an ECS cluster on an Auto
/// Scaling group, behind a public Application Load Balancer. Instances come and go with the tasks (managed
/// scaling, down to zero), and <c>cdk destroy</c> completes.
/// </summary>
public sealed class GpuInferenceStack : Stack
{
    /// <summary>The stack's construct id in the app, and the name of its template in cdk.out.</summary>
    public const string ConstructId = "GpuInferenceStack";

    public const string ContainerName = "ModelServer";

    /// <summary>The public parameter of the recommended ECS GPU AMI on Amazon Linux 2023
    /// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/retrieve-ecs-optimized_AMI.html).</summary>
    public const string GpuAmiParameter = "/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id";

    /// <summary>Environment variable names the model server reads (ASP.NET Core maps <c>__</c> to a section).</summary>
    public const string ModelSourceVariable = "Model__Source";
    public const string ModelS3UriVariable = "Model__S3Uri";
    public const string ExecutionProviderVariable = "Model__ExecutionProvider";
    public const string AllowCpuFallbackVariable = "Model__AllowCpuFallback";

    public GpuInferenceStack(Construct scope, string id, GpuInferenceStackProps? props = null)
        : base(scope, id, props ??= new GpuInferenceStackProps())
    {
        props.Validate();

        Network = new ServiceNetwork(this, "Network", new ServiceNetworkOptions(props.Egress, props.NatGateways, props.LogRetention, props.LogRemovalPolicy));
        // Container instances talk to ECS itself, which tasks on Fargate never need
        // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/vpc-endpoints.html).
        Network.AddInterfaceEndpoints(
            ("EcsEndpoint", InterfaceVpcEndpointAwsService.ECS),
            ("EcsAgentEndpoint", InterfaceVpcEndpointAwsService.ECS_AGENT),
            ("EcsTelemetryEndpoint", InterfaceVpcEndpointAwsService.ECS_TELEMETRY));
        Cluster = new Cluster(this, "Cluster", new ClusterProps { Vpc = Network.Vpc, ContainerInsights = true });

        Instances = CreateInstances();
        CapacityProvider = new AsgCapacityProvider(this, "GpuCapacity", new AsgCapacityProviderProps
        {
            AutoScalingGroup = Instances,
            EnableManagedScaling = true,
            EnableManagedTerminationProtection = true,
            // Managed draining puts an ECS lifecycle hook on the group that can outlive the capacity provider and
            // hold terminating instances at stack deletion; managed termination protection already keeps
            // instances with tasks from being scaled in.
            EnableManagedDraining = false,
            TargetCapacityPercent = 100,
        });
        Cluster.AddAsgCapacityProvider(CapacityProvider);
        AcknowledgeAgentPermissions();

        var teardown = new ScaleInProtectionRelease(this, "TeardownRelease", Instances, props.LogRetention, props.LogRemovalPolicy);
        teardown.DeleteAfter(CapacityProvider);

        TaskRole = CreateTaskRole();
        var taskDefinition = new Ec2TaskDefinition(this, "TaskDefinition", new Ec2TaskDefinitionProps
        {
            // Each task gets its own network interface and security group, reachable only from the load balancer.
            NetworkMode = Amazon.CDK.AWS.ECS.NetworkMode.AWS_VPC,
            TaskRole = TaskRole,
        });
        var logGroup = new LogGroup(this, "ModelServerLogs", new LogGroupProps { Retention = props.LogRetention, RemovalPolicy = props.LogRemovalPolicy });
        var container = taskDefinition.AddContainer(ContainerName, new ContainerDefinitionOptions
        {
            Image = props.Image ?? DockerfileImage.FromDockerfile(DockerfileImage.ModelServerGpuDockerfile, Platform_.LINUX_AMD64),
            Essential = true,
            GpuCount = 1,
            Cpu = props.ContainerCpuUnits,
            MemoryLimitMiB = props.ContainerMemoryMiB,
            User = props.ContainerUser,
            ReadonlyRootFilesystem = props.ReadonlyRootFilesystem,
            PortMappings = [new PortMapping { ContainerPort = props.ContainerPort, Protocol = Amazon.CDK.AWS.ECS.Protocol.TCP }],
            Environment = ServerEnvironment(props),
            Logging = LogDriver.AwsLogs(new AwsLogDriverProps { LogGroup = logGroup, StreamPrefix = "model-server" }),
            StopTimeout = Duration.Seconds(30),
        });
        NagAcknowledgements.Acknowledge(taskDefinition, "AwsSolutions-ECS2", NagReasons.GpuModelServerEnvironment);
        DockerfileImage.AcknowledgeRegistryLogin(taskDefinition);

        // The root filesystem is read-only; the model downloaded from S3 and temporary files go to /tmp.
        taskDefinition.AddVolume(new Amazon.CDK.AWS.ECS.Volume { Name = "tmp" });
        container.AddMountPoints(new MountPoint { SourceVolume = "tmp", ContainerPath = "/tmp", ReadOnly = false });

        Service = new Ec2Service(this, "Service", new Ec2ServiceProps
        {
            Cluster = Cluster,
            TaskDefinition = taskDefinition,
            DesiredCount = props.MinTasks,
            VpcSubnets = ServiceNetwork.PrivateSubnets,
            CapacityProviderStrategies = [new CapacityProviderStrategy { CapacityProvider = CapacityProvider.CapacityProviderName, Weight = 1 }],
            CircuitBreaker = new DeploymentCircuitBreaker { Enable = true, Rollback = true },
            HealthCheckGracePeriod = Duration.Seconds(props.HealthCheckGracePeriodSeconds),
            // A new task starts before the old one stops, on a second instance that managed scaling launches.
            MinHealthyPercent = 100,
            MaxHealthyPercent = 200,
        });
        DeleteServiceBeforeCapacityProviderAssociation();

        LoadBalancer = new PublicLoadBalancer(this, "PublicEndpoint", new PublicLoadBalancerOptions(
            Network.Vpc,
            props.CertificateArn,
            Duration.Seconds(props.DeregistrationDelaySeconds),
            Duration.Days(props.AccessLogExpirationDays),
            props.AccessLogRemovalPolicy));
        TargetGroup = LoadBalancer.AddService("ModelServer", Service, new LoadBalancedContainer(ContainerName, props.ContainerPort, props.HealthCheckPath), Duration.Seconds(15));
        ServiceScaling.Apply(Service, TargetGroup, new ServiceScalingOptions(props.MinTasks, props.MaxTasks, props.CpuTargetPercent, props.RequestsPerTarget));

        Alarms = new ServiceAlarms(this, "Alarms", "GPU model server alarms", props.AlarmEmail);
        Alarms.AddTargetGroupAlarms(TargetGroup, Duration.Millis(props.P99ResponseTimeAlarmSeconds * 1000));
        AddCapacityAlarms();

        _ = new CfnOutput(this, "ServiceUrl", new CfnOutputProps { Value = LoadBalancer.Url, Description = "Base URL of the model server." });
        _ = new CfnOutput(this, "ClusterName", new CfnOutputProps { Value = Cluster.ClusterName });
        _ = new CfnOutput(this, "ServiceName", new CfnOutputProps { Value = Service.ServiceName });
        _ = new CfnOutput(this, "AutoScalingGroupName", new CfnOutputProps { Value = Instances.AutoScalingGroupName });
        _ = new CfnOutput(this, "AlarmTopicArn", new CfnOutputProps { Value = Alarms.Topic.TopicArn });

        AutoScalingGroup CreateInstances()
        {
            var securityGroup = new SecurityGroup(this, "InstanceSecurityGroup", new SecurityGroupProps
            {
                Vpc = Network.Vpc,
                Description = "GPU container instances: no inbound traffic (tasks have their own security group), outbound for ECS, ECR and S3.",
                AllowAllOutbound = true,
            });
            var role = new Role(this, "InstanceRole", new RoleProps
            {
                AssumedBy = new ServicePrincipal("ec2.amazonaws.com"),
                Description = "GPU container instances: the ECS agent's permissions only.",
            });
            var launchTemplate = new LaunchTemplate(this, "InstanceTemplate", new LaunchTemplateProps
            {
                InstanceType = new InstanceType(props.InstanceType),
                MachineImage = MachineImage(),
                UserData = UserData.ForLinux(),
                Role = role,
                SecurityGroup = securityGroup,
                RequireImdsv2 = true,
                // One hop: processes on the instance reach the metadata service, containers do not.
                HttpPutResponseHopLimit = 1,
                DetailedMonitoring = true,
                AssociatePublicIpAddress = false,
                BlockDevices =
                [
                    new Amazon.CDK.AWS.EC2.BlockDevice
                    {
                        // The root device of Amazon Linux 2023 AMIs.
                        DeviceName = "/dev/xvda",
                        Volume = Amazon.CDK.AWS.EC2.BlockDeviceVolume.Ebs(props.RootVolumeGiB, new Amazon.CDK.AWS.EC2.EbsDeviceOptions
                        {
                            VolumeType = Amazon.CDK.AWS.EC2.EbsDeviceVolumeType.GP3,
                            Encrypted = true,
                            DeleteOnTermination = true,
                        }),
                    },
                ],
            });
            var group = new AutoScalingGroup(this, "GpuInstances", new AutoScalingGroupProps
            {
                Vpc = Network.Vpc,
                VpcSubnets = ServiceNetwork.PrivateSubnets,
                LaunchTemplate = launchTemplate,
                MinCapacity = props.MinInstances,
                MaxCapacity = props.MaxInstances,
                DesiredCapacity = props.DesiredInstances,
                // The capacity alarms compare in-service with desired instances; both are group metrics.
                GroupMetrics = [GroupMetrics.All()],
            });
            NagAcknowledgements.Acknowledge(group, "AwsSolutions-AS3", NagReasons.ScalingNotifications);
            return group;
        }

        void AcknowledgeAgentPermissions()
        {
            // Adding the capacity provider gave the instance role the ECS agent's statements.
            var policy = Instances.Role.Node.FindChild("DefaultPolicy").Node.FindChild("Resource");
            NagAcknowledgements.Acknowledge(policy, "AwsSolutions-IAM5", NagReasons.EcsInstanceAgent, "Resource::*");
            NagAcknowledgements.Acknowledge(policy, "AwsSolutions-IAM5", NagReasons.EcsInstanceAgent, "Action::ecs:Submit*");
        }

        IMachineImage MachineImage() => props switch
        {
            { AmiId: { } amiId } => new PinnedMachineImage(amiId),
            { AmiSelection: GpuAmiSelection.CachedInContext } => EcsOptimizedImage.AmazonLinux2023(AmiHardwareType.GPU, new EcsOptimizedImageOptions { CachedInContext = true }),
            _ => EcsOptimizedImage.AmazonLinux2023(AmiHardwareType.GPU),
        };

        Role CreateTaskRole()
        {
            var role = new Role(this, "TaskRole", new RoleProps
            {
                AssumedBy = new ServicePrincipal("ecs-tasks.amazonaws.com"),
                Description = props.ModelS3Location is null
                    ? "The model server's task role; no permissions, the model is in the image."
                    : "The model server's task role: reads the model files under one S3 prefix, nothing else.",
            });
            if (props.ModelS3Location is var (bucket, prefix))
            {
                // Only GetObject: the server fetches model.onnx and vocab.txt by name, so it never lists the bucket.
                role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
                {
                    Sid = "ReadModelFiles",
                    Actions = ["s3:GetObject"],
                    Resources = [$"arn:{Partition}:s3:::{bucket}/{prefix}*"],
                }));
                NagAcknowledgements.Acknowledge(
                    role.Node.FindChild("DefaultPolicy").Node.FindChild("Resource"),
                    "AwsSolutions-IAM5",
                    NagReasons.ModelObjectPrefix,
                    $"Resource::arn:<AWS::Partition>:s3:::{bucket}/{prefix}*");
            }

            return role;
        }

        void DeleteServiceBeforeCapacityProviderAssociation()
        {
            // The association cannot be removed while a service still uses the capacity provider. The CDK creates
            // it inside the cluster only at synth, so the dependency is on the cluster construct: CloudFormation then
            // creates the association before the service and deletes it only after the service has stopped its tasks.
            Service.Node.AddDependency(Cluster);
        }

        void AddCapacityAlarms()
        {
            var groupDimensions = new Dictionary<string, string> { ["AutoScalingGroupName"] = Instances.AutoScalingGroupName };
            var fiveMinutes = Duration.Minutes(5);
            Metric GroupMetric(string name) => new(new MetricProps
            {
                Namespace = "AWS/AutoScaling",
                MetricName = name,
                DimensionsMap = groupDimensions,
                Statistic = Stats.MINIMUM,
                Period = fiveMinutes,
            });

            Alarms.Add("GpuInstancesMissing",
                new MathExpression(new MathExpressionProps
                {
                    Expression = "desired - inService",
                    UsingMetrics = new Dictionary<string, IMetric>
                    {
                        ["desired"] = GroupMetric("GroupDesiredCapacity"),
                        ["inService"] = GroupMetric("GroupInServiceInstances"),
                    },
                    Label = "GPU instances wanted but not in service",
                    Period = fiveMinutes,
                }),
                threshold: 1, evaluationPeriods: 3,
                "GPU instances have been missing for 15 minutes: check the Auto Scaling activity history for an exceeded 'Running On-Demand G and VT instances' vCPU quota or insufficient capacity.");

            // Reservation above 100% means tasks are waiting for instances the group has not (yet) provided
            // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-auto-scaling.html).
            Alarms.Add("GpuCapacityShort",
                new Metric(new MetricProps
                {
                    Namespace = "AWS/ECS/ManagedScaling",
                    MetricName = "CapacityProviderReservation",
                    DimensionsMap = new Dictionary<string, string>
                    {
                        ["CapacityProviderName"] = CapacityProvider.CapacityProviderName,
                        ["ClusterName"] = Cluster.ClusterName,
                    },
                    Statistic = Stats.MINIMUM,
                    Period = fiveMinutes,
                }),
                threshold: 100, evaluationPeriods: 3,
                "Tasks have waited 15 minutes for GPU instances: raise MaxInstances or the G-instance vCPU quota.",
                ComparisonOperator.GREATER_THAN_THRESHOLD);
        }
    }

    public ServiceNetwork Network { get; }

    public Cluster Cluster { get; }

    public AutoScalingGroup Instances { get; }

    public AsgCapacityProvider CapacityProvider { get; }

    public Ec2Service Service { get; }

    public IRole TaskRole { get; }

    public PublicLoadBalancer LoadBalancer { get; }

    public ApplicationTargetGroup TargetGroup { get; }

    public ServiceAlarms Alarms { get; }

    private static Dictionary<string, string> ServerEnvironment(GpuInferenceStackProps props)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_HTTP_PORTS"] = props.ContainerPort.ToString(CultureInfo.InvariantCulture),
            [ModelSourceVariable] = props.ModelS3Uri is null ? "embedded" : "s3",
            [ExecutionProviderVariable] = "cuda",
            [AllowCpuFallbackVariable] = props.AllowCpuFallback ? "true" : "false",
        };
        if (props.ModelS3Uri is { } uri)
        {
            environment[ModelS3UriVariable] = uri;
        }

        return environment;
    }
}
