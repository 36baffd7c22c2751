using Amazon.CDK;
using Amazon.CDK.AWS.AutoScaling;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.IAM;
using Constructs;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.GpuInference;

/// <param name="InstanceType">The EC2 GPU instance type, e.g. g5.xlarge.</param>
/// <param name="MachineImage">The ECS-optimized GPU AMI the instances boot.</param>
/// <param name="MinInstances">Instances kept with no tasks; zero lets the group scale in to nothing.</param>
/// <param name="MaxInstances">Upper bound on instances.</param>
/// <param name="DesiredInstances">Instances at deployment; null leaves the count to managed scaling.</param>
/// <param name="RootVolumeGiB">Size of each instance's encrypted root volume (the image and the model live there).</param>
public sealed record GpuCapacityOptions(string InstanceType, IMachineImage MachineImage, int MinInstances, int MaxInstances, int? DesiredInstances, int RootVolumeGiB);

/// <summary>
/// GPU container instances for an ECS cluster: an Auto Scaling group of instances in private subnets, the capacity
/// provider that scales it with the tasks (managed scaling, down to zero), and the alarms that say when instances
/// are missing. It holds no data: instances and their root volumes go when they are scaled in.
/// </summary>
public sealed class GpuCapacity : Construct
{
    private readonly ICluster cluster;

    public GpuCapacity(Construct scope, string id, Cluster cluster, GpuCapacityOptions options)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(options);
        this.cluster = cluster;
        Instances = CreateInstances(cluster.Vpc, options);
        Provider = new AsgCapacityProvider(this, "Provider", new AsgCapacityProviderProps
        {
            AutoScalingGroup = Instances,
            // Named, because CloudFormation's default name starts with the stack's name, and ECS refuses a capacity
            // provider whose name starts with "aws", "ecs" or "fargate": a project named AwsEmbeddings could not deploy
            // (aws-cdk#29151; https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCapacityProvider.html).
            // Stack names are unique in a Region, and so is this name; the stack's name is read at deploy time, so a
            // template deployed under another name stays valid.
            CapacityProviderName = Fn.Join("-", ["gpu", Aws.STACK_NAME]),
            EnableManagedScaling = true,
            EnableManagedTerminationProtection = true,
            // Managed draining puts an ECS lifecycle hook on the group that can outlive the capacity provider and
            // hold terminating instances at stack deletion; managed termination protection already keeps
            // instances with tasks from being scaled in.
            EnableManagedDraining = false,
            TargetCapacityPercent = 100,
            // Otherwise the CDK adds an iptables rule and `service iptables save` to the user data, and Amazon Linux
            // 2023 has no iptables service, so that line fails. Containers are kept from the instance role anyway:
            // tasks use awsvpc networking with ECS_AWSVPC_BLOCK_IMDS (below), and IMDSv2 with one hop answers no container
            // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html, "Restricting access").
            CanContainersAccessInstanceRole = true,
        });
        cluster.AddAsgCapacityProvider(Provider);

        // Adding the capacity provider gave the instance role the ECS agent's statements.
        var policy = Instances.Role.Node.FindChild("DefaultPolicy").Node.FindChild("Resource");
        NagAcknowledgements.Acknowledge(policy, "AwsSolutions-IAM5", NagReasons.EcsInstanceAgent, "Resource::*");
        NagAcknowledgements.Acknowledge(policy, "AwsSolutions-IAM5", NagReasons.EcsInstanceAgent, "Action::ecs:Submit*");
    }

    public AutoScalingGroup Instances { get; }

    public AsgCapacityProvider Provider { get; }

    /// <summary>
    /// Alarms on <paramref name="alarms"/>' topic when instances the group wants are not in service, and when tasks
    /// wait for instances: the two ways a GPU quota or a shortage of capacity shows.
    /// </summary>
    public void AddCapacityAlarms(ServiceAlarms alarms)
    {
        ArgumentNullException.ThrowIfNull(alarms);
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

        alarms.Add("GpuInstancesMissing",
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
        alarms.Add("GpuCapacityShort",
            new Metric(new MetricProps
            {
                Namespace = "AWS/ECS/ManagedScaling",
                MetricName = "CapacityProviderReservation",
                DimensionsMap = new Dictionary<string, string>
                {
                    ["CapacityProviderName"] = Provider.CapacityProviderName,
                    ["ClusterName"] = cluster.ClusterName,
                },
                Statistic = Stats.MINIMUM,
                Period = fiveMinutes,
            }),
            threshold: 100, evaluationPeriods: 3,
            "Tasks have waited 15 minutes for GPU instances: raise MaxInstances or the G-instance vCPU quota.",
            ComparisonOperator.GREATER_THAN_THRESHOLD);
    }

    private AutoScalingGroup CreateInstances(IVpc vpc, GpuCapacityOptions options)
    {
        var securityGroup = new SecurityGroup(this, "InstanceSecurityGroup", new SecurityGroupProps
        {
            Vpc = vpc,
            Description = "GPU container instances: no inbound traffic (tasks have their own security group), outbound for ECS, ECR and S3.",
            AllowAllOutbound = true,
        });
        var role = new Role(this, "InstanceRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("ec2.amazonaws.com"),
            Description = "GPU container instances: the ECS agent's permissions only.",
        });
        var userData = UserData.ForLinux();
        userData.AddCommands("echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config");
        var launchTemplate = new LaunchTemplate(this, "InstanceTemplate", new LaunchTemplateProps
        {
            InstanceType = new InstanceType(options.InstanceType),
            MachineImage = options.MachineImage,
            UserData = userData,
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
                    Volume = Amazon.CDK.AWS.EC2.BlockDeviceVolume.Ebs(options.RootVolumeGiB, new Amazon.CDK.AWS.EC2.EbsDeviceOptions
                    {
                        VolumeType = Amazon.CDK.AWS.EC2.EbsDeviceVolumeType.GP3,
                        Encrypted = true,
                        DeleteOnTermination = true,
                    }),
                },
            ],
        });
        var group = new AutoScalingGroup(this, "Instances", new AutoScalingGroupProps
        {
            Vpc = vpc,
            VpcSubnets = ServiceNetwork.PrivateSubnets,
            LaunchTemplate = launchTemplate,
            MinCapacity = options.MinInstances,
            MaxCapacity = options.MaxInstances,
            DesiredCapacity = options.DesiredInstances,
            // The capacity alarms compare in-service with desired instances; both are group metrics.
            GroupMetrics = [GroupMetrics.All()],
        });
        NagAcknowledgements.Acknowledge(group, "AwsSolutions-AS3", NagReasons.ScalingNotifications);
        return group;
    }
}
