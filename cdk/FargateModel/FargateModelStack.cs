using Amazon.CDK;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Constructs;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.FargateModel;

/// <summary>
/// Pattern 2: the ASP.NET Core model server (all-MiniLM-L6-v2 on ONNX Runtime, in memory) on Fargate in
/// private subnets, behind a public Application Load Balancer, scaled on CPU and requests per task.
/// </summary>
public sealed class FargateModelStack : Stack
{
    /// <summary>The stack's construct id in the app, and the name of its template in cdk.out.</summary>
    public const string ConstructId = "FargateModelStack";

    public const string ContainerName = "ModelServer";

    /// <summary>The user the official .NET images define as <c>app</c>
    /// (https://learn.microsoft.com/dotnet/core/compatibility/containers/8.0/app-user); set here so the task never runs as root.</summary>
    public const string NonRootUser = "1654";

    public FargateModelStack(Construct scope, string id, FargateModelStackProps? props = null)
        : base(scope, id, props ??= new FargateModelStackProps())
    {
        props.Validate();

        Network = new ServiceNetwork(this, "Network", new ServiceNetworkOptions(props.Egress, props.NatGateways, props.LogRetention, props.LogRemovalPolicy));
        Cluster = new Cluster(this, "Cluster", new ClusterProps { Vpc = Network.Vpc, ContainerInsights = true });

        // The server needs no AWS permissions: the model is in the image. The role exists so that nothing
        // else (a default with broader rights) is ever attached to the task.
        TaskRole = new Role(this, "TaskRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("ecs-tasks.amazonaws.com"),
            Description = "The model server's task role; it has no permissions because the server calls no AWS API.",
        });
        var taskDefinition = new FargateTaskDefinition(this, "TaskDefinition", new FargateTaskDefinitionProps
        {
            Cpu = props.CpuUnits,
            MemoryLimitMiB = props.MemoryMiB,
            TaskRole = TaskRole,
            RuntimePlatform = new RuntimePlatform
            {
                CpuArchitecture = props.Architecture.ToEcs(),
                OperatingSystemFamily = OperatingSystemFamily.LINUX,
            },
        });

        _ = ModelServerContainer.AddTo(this, taskDefinition, new ModelServerContainerOptions
        {
            ContainerName = ContainerName,
            Image = props.Image ?? DockerfileImage.FromDockerfile(DockerfileImage.ModelServerCpuDockerfile, props.Architecture.ToImagePlatform()),
            Port = props.ContainerPort,
            User = NonRootUser,
            ReadonlyRootFilesystem = true,
            Environment = new Dictionary<string, string> { ["ASPNETCORE_HTTP_PORTS"] = props.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            EnvironmentReason = NagReasons.ModelServerEnvironment,
            LogRetention = props.LogRetention,
            LogRemovalPolicy = props.LogRemovalPolicy,
        });

        Service = new FargateService(this, "Service", new FargateServiceProps
        {
            Cluster = Cluster,
            TaskDefinition = taskDefinition,
            // No desired count: one in the template is applied again at every deployment and undoes the scaling
            // (aws-cdk#3919). CloudFormation creates the service with one task and leaves the count alone afterwards;
            // registering the scalable target raises it to MinTasks
            // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-service.html#cfn-ecs-service-desiredcount,
            // https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html).
            AssignPublicIp = false,
            VpcSubnets = ServiceNetwork.PrivateSubnets,
            CircuitBreaker = new DeploymentCircuitBreaker { Enable = true, Rollback = true },
            HealthCheckGracePeriod = Duration.Seconds(props.HealthCheckGracePeriodSeconds),
            MinHealthyPercent = 100,
            MaxHealthyPercent = 200,
        });

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

        ServiceScaling.Apply(Service, TargetGroup, new ServiceScalingOptions(props.MinTasks, props.MaxTasks, props.CpuTargetPercent, props.RequestsPerTarget));

        Alarms = new ServiceAlarms(this, "Alarms", "Fargate model server alarms", props.AlarmEmail);
        Alarms.AddTargetGroupAlarms(TargetGroup, Duration.Millis(props.P99ResponseTimeAlarmSeconds * 1000));

        _ = new CfnOutput(this, "ServiceUrl", new CfnOutputProps { Value = LoadBalancer.Url, Description = "Base URL of the model server." });
        _ = new CfnOutput(this, "ClusterName", new CfnOutputProps { Value = Cluster.ClusterName });
        _ = new CfnOutput(this, "ServiceName", new CfnOutputProps { Value = Service.ServiceName });
        _ = new CfnOutput(this, "AlarmTopicArn", new CfnOutputProps { Value = Alarms.Topic.TopicArn });
    }

    public ServiceNetwork Network { get; }

    public Cluster Cluster { get; }

    public FargateService Service { get; }

    public IRole TaskRole { get; }

    public PublicLoadBalancer LoadBalancer { get; }

    public ApplicationTargetGroup TargetGroup { get; }

    public ServiceAlarms Alarms { get; }
}
