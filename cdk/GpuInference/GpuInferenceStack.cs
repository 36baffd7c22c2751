using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.AutoScaling;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Ecr.Assets;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
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

        Network = new ServiceNetwork(this, "Network", new ServiceNetworkOptions(props.Egress, props.NatGateways, props.LogRetention, props.LogRemovalPolicy, props.AvailabilityZones));
        // Container instances talk to ECS itself, which tasks on Fargate never need
        // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/vpc-endpoints.html).
        Network.AddInterfaceEndpoints(
            ("EcsEndpoint", InterfaceVpcEndpointAwsService.ECS),
            ("EcsAgentEndpoint", InterfaceVpcEndpointAwsService.ECS_AGENT),
            ("EcsTelemetryEndpoint", InterfaceVpcEndpointAwsService.ECS_TELEMETRY));
        Cluster = new Cluster(this, "Cluster", new ClusterProps { Vpc = Network.Vpc, ContainerInsights = true });

        // GPU instances that come and go with the tasks.
        var capacity = new GpuCapacity(this, "GpuCapacity", Cluster, new GpuCapacityOptions(
            props.InstanceType, MachineImage(props), props.MinInstances, props.MaxInstances, props.DesiredInstances, props.RootVolumeGiB));
        (Instances, CapacityProvider) = (capacity.Instances, capacity.Provider);
        // Without this, `cdk destroy` waits forever for instances that ECS protects from scale-in.
        var teardown = new ScaleInProtectionRelease(this, "TeardownRelease", Instances, props.LogRetention, props.LogRemovalPolicy);
        teardown.DeleteAfter(CapacityProvider);

        TaskRole = CreateTaskRole(props);
        var taskDefinition = new Ec2TaskDefinition(this, "TaskDefinition", new Ec2TaskDefinitionProps
        {
            // Each task gets its own network interface and security group, reachable only from the load balancer.
            NetworkMode = Amazon.CDK.AWS.ECS.NetworkMode.AWS_VPC,
            TaskRole = TaskRole,
        });
        _ = ModelServerContainer.AddTo(this, taskDefinition, new ModelServerContainerOptions
        {
            ContainerName = ContainerName,
            Image = props.Image ?? DockerfileImage.FromDockerfile(DockerfileImage.ModelServerGpuDockerfile, Platform_.LINUX_AMD64),
            Port = props.ContainerPort,
            User = props.ContainerUser,
            ReadonlyRootFilesystem = props.ReadonlyRootFilesystem,
            Environment = ServerEnvironment(props),
            EnvironmentReason = NagReasons.GpuModelServerEnvironment,
            GpuCount = 1,
            CpuUnits = props.ContainerCpuUnits,
            MemoryLimitMiB = props.ContainerMemoryMiB,
            LogRetention = props.LogRetention,
            LogRemovalPolicy = props.LogRemovalPolicy,
        });

        Service = new Ec2Service(this, "Service", new Ec2ServiceProps
        {
            Cluster = Cluster,
            TaskDefinition = taskDefinition,
            // No desired count unless asked to start without tasks: a count in the template is applied again at every
            // deployment and undoes the scaling (aws-cdk#3919). Without one, CloudFormation creates the service with
            // one task and leaves the count alone afterwards; the scalable target then holds it between the bounds
            // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-service.html#cfn-ecs-service-desiredcount).
            DesiredCount = props.StartWithoutTasks ? 0 : null,
            VpcSubnets = ServiceNetwork.PrivateSubnets,
            CapacityProviderStrategies = [new CapacityProviderStrategy { CapacityProvider = CapacityProvider.CapacityProviderName, Weight = 1 }],
            CircuitBreaker = new DeploymentCircuitBreaker { Enable = true, Rollback = true },
            HealthCheckGracePeriod = Duration.Seconds(props.HealthCheckGracePeriodSeconds),
            // A new task starts on a free GPU if there is one; at MaxTasks every GPU is taken, so an old task stops
            // first (props.Validate checks that a deployment can progress at every task count).
            MinHealthyPercent = props.DeploymentMinHealthyPercent,
            MaxHealthyPercent = props.DeploymentMaxPercent,
        });
        // The association cannot be removed while a service still uses the capacity provider. The CDK creates it
        // inside the cluster only at synth, so the dependency is on the cluster construct: CloudFormation then
        // creates the association before the service and deletes it only after the service has stopped its tasks.
        Service.Node.AddDependency(Cluster);

        LoadBalancer = new PublicLoadBalancer(this, "PublicEndpoint", new PublicLoadBalancerOptions(
            Network.Vpc,
            props.CertificateArn,
            Duration.Seconds(props.DeregistrationDelaySeconds),
            Duration.Days(props.AccessLogExpirationDays),
            props.AccessLogRemovalPolicy)
        {
            Exposure = props.Exposure,
            ApiLogRetention = props.LogRetention,
            ApiLogRemovalPolicy = props.LogRemovalPolicy,
            RateLimitPerFiveMinutes = props.RateLimitPerFiveMinutes,
        });
        TargetGroup = LoadBalancer.AddService("ModelServer", Service, new LoadBalancedContainer(ContainerName, props.ContainerPort, props.HealthCheckPath), Duration.Seconds(15));
        ServiceScaling.Apply(Service, TargetGroup, new ServiceScalingOptions(props.StartWithoutTasks ? 0 : props.MinTasks, props.MaxTasks, props.CpuTargetPercent, props.RequestsPerTarget));

        Alarms = new ServiceAlarms(this, "Alarms", "GPU model server alarms", props.AlarmEmail);
        Alarms.AddTargetGroupAlarms(TargetGroup, Duration.Millis(props.P99ResponseTimeAlarmSeconds * 1000));
        capacity.AddCapacityAlarms(Alarms);

        _ = new CfnOutput(this, "ServiceUrl", new CfnOutputProps { Value = LoadBalancer.Url, Description = "Base URL of the model server." });
        _ = new CfnOutput(this, "ClusterName", new CfnOutputProps { Value = Cluster.ClusterName });
        _ = new CfnOutput(this, "ServiceName", new CfnOutputProps { Value = Service.ServiceName });
        _ = new CfnOutput(this, "AutoScalingGroupName", new CfnOutputProps { Value = Instances.AutoScalingGroupName });
        _ = new CfnOutput(this, "AlarmTopicArn", new CfnOutputProps { Value = Alarms.Topic.TopicArn });
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

    private static IMachineImage MachineImage(GpuInferenceStackProps props) => props switch
    {
        { AmiId: { } amiId } => new PinnedMachineImage(amiId),
        { AmiSelection: GpuAmiSelection.CachedInContext } => EcsOptimizedImage.AmazonLinux2023(AmiHardwareType.GPU, new EcsOptimizedImageOptions { CachedInContext = true }),
        _ => EcsOptimizedImage.AmazonLinux2023(AmiHardwareType.GPU),
    };

    private Role CreateTaskRole(GpuInferenceStackProps props)
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
            NagAcknowledgements.Acknowledge(role.Node.FindChild("DefaultPolicy").Node.FindChild("Resource"), "AwsSolutions-IAM5",
                NagReasons.ModelObjectPrefix, $"Resource::arn:<AWS::Partition>:s3:::{bucket}/{prefix}*");
        }

        return role;
    }

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
