using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>How tasks in private subnets reach ECR, S3 and CloudWatch Logs.</summary>
public enum PrivateEgress
{
    /// <summary>NAT gateways in the public subnets: tasks can reach anything on the internet.</summary>
    NatGateways,

    /// <summary>
    /// No NAT: interface endpoints for ECR (api, dkr) and CloudWatch Logs and a gateway endpoint for S3. Tasks
    /// reach only those services, which is all an image pull, a model download and logging need.
    /// </summary>
    VpcEndpoints,
}

/// <param name="Egress">How private subnets reach AWS services.</param>
/// <param name="NatGateways">Number of NAT gateways with <see cref="PrivateEgress.NatGateways"/>: 1 is cheapest, 2 survives the loss of one zone.</param>
/// <param name="FlowLogRetention">How long VPC flow logs are kept.</param>
/// <param name="LogRemovalPolicy">What <c>cdk destroy</c> does with the flow-log group.</param>
/// <param name="Zones">The Availability Zones by name (two), or null for the Region's first two.</param>
public sealed record ServiceNetworkOptions(PrivateEgress Egress, int NatGateways, RetentionDays FlowLogRetention, RemovalPolicy LogRemovalPolicy, IReadOnlyList<string>? Zones = null);

/// <summary>
/// A VPC over two Availability Zones: the load balancer in public subnets, everything else in private ones,
/// with flow logs. Shared by the container patterns.
/// </summary>
public sealed class ServiceNetwork : Construct
{
    /// <summary>Two zones: the smallest layout in which a load balancer and a service survive the loss of one.</summary>
    public const int AvailabilityZones = 2;

    /// <summary>
    /// The VPC's address range (the CDK's default, written out): security groups that accept "the VPC" name it as a
    /// literal, which cdk-nag can check and a reader can see.
    /// </summary>
    public const string CidrBlock = "10.0.0.0/16";

    public ServiceNetwork(Construct scope, string id, ServiceNetworkOptions options)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(options);
        Egress = options.Egress;
        var withNat = options.Egress == PrivateEgress.NatGateways;
        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            IpAddresses = IpAddresses.Cidr(CidrBlock),
            // Chosen zones matter where an instance type is not offered in every zone (g5 in some Regions).
            MaxAzs = options.Zones is null ? AvailabilityZones : null,
            AvailabilityZones = options.Zones?.ToArray(),
            NatGateways = withNat ? options.NatGateways : 0,
            SubnetConfiguration =
            [
                new SubnetConfiguration { Name = "Public", SubnetType = SubnetType.PUBLIC, CidrMask = 24 },
                new SubnetConfiguration
                {
                    Name = "Private",
                    // Without NAT the private subnets have no route out; the endpoints below are their only way to AWS.
                    SubnetType = withNat ? SubnetType.PRIVATE_WITH_EGRESS : SubnetType.PRIVATE_ISOLATED,
                    CidrMask = 22,
                },
            ],
        });

        // The VPC's default-security-group restriction brings a CDK custom resource whose handler would run on a
        // deprecated Node.js; see CustomResourceRuntimeUpgrade.
        Aspects.Of(Stack.Of(this)).Add(new CustomResourceRuntimeUpgrade());

        var flowLogs = new LogGroup(this, "FlowLogs", new LogGroupProps
        {
            Retention = options.FlowLogRetention,
            RemovalPolicy = options.LogRemovalPolicy,
        });
        Vpc.AddFlowLog("FlowLog", new FlowLogOptions
        {
            Destination = FlowLogDestination.ToCloudWatchLogs(flowLogs, CreateFlowLogRole()),
            // Rejected connections are what an investigation of a blocked or probing client needs; logging all
            // traffic would mostly record the load balancer's health checks, at a cost per GB.
            TrafficType = FlowLogTrafficType.REJECT,
        });

        if (!withNat)
        {
            AddServiceEndpoints();
        }

        AcknowledgeDefaultSecurityGroupRestriction();
    }

    public Vpc Vpc { get; }

    public PrivateEgress Egress { get; }

    /// <summary>The subnets tasks and instances run in; they never receive public addresses.</summary>
    public static SubnetSelection PrivateSubnets => new() { SubnetGroupName = "Private" };

    /// <summary>
    /// The role the flow log delivers with (the CDK adds the log-group grant when it binds the destination). Its trust
    /// carries the confused-deputy conditions the VPC guide recommends: only a flow log of this account, named by
    /// aws:SourceArn, may take it (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html). The flow
    /// log's id is not known before the flow log exists, and the flow log needs the role first, so the ARN ends in a
    /// wildcard, as the guide suggests.
    /// </summary>
    private Role CreateFlowLogRole()
    {
        var stack = Stack.Of(this);
        return new Role(this, "FlowLogRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("vpc-flow-logs.amazonaws.com").WithConditions(new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = stack.Account },
                ["ArnLike"] = new Dictionary<string, object> { ["aws:SourceArn"] = $"arn:{stack.Partition}:ec2:{stack.Region}:{stack.Account}:vpc-flow-log/*" },
            }),
            Description = "Delivers this VPC's flow logs to their log group; only this account's flow logs may take it.",
        });
    }

    private void AcknowledgeDefaultSecurityGroupRestriction()
    {
        // The app sets @aws-cdk/aws-ec2:restrictDefaultSecurityGroup, so the CDK adds its own provider that strips the
        // default security group's rules. Its role and runtime are the CDK's, not this stack's, to choose.
        if (Stack.Of(this).Node.TryFindChild("Custom::VpcRestrictDefaultSGCustomResourceProvider") is not { } provider)
        {
            return;
        }

        NagAcknowledgements.Acknowledge(provider.Node.FindChild("Role"), "AwsSolutions-IAM4", NagReasons.VpcProviderManagedPolicy,
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
        NagAcknowledgements.Acknowledge(provider.Node.FindChild("Handler"), "Serverless-LambdaDLQ", NagReasons.VpcProviderInvocation);
        NagAcknowledgements.Acknowledge(provider.Node.FindChild("Handler"), "Serverless-LambdaTracing", NagReasons.VpcProviderTracing);
    }

    private void AddServiceEndpoints()
    {
        var privateSubnets = PrivateSubnets;

        // The image layers come from S3 and the manifests from ECR; both are needed for a pull
        // (https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html).
        Vpc.AddGatewayEndpoint("S3Endpoint", new GatewayVpcEndpointOptions
        {
            Service = GatewayVpcEndpointAwsService.S3,
            Subnets = [privateSubnets],
        });
        foreach (var (endpointId, service) in new[]
        {
            ("EcrApiEndpoint", InterfaceVpcEndpointAwsService.ECR),
            ("EcrDockerEndpoint", InterfaceVpcEndpointAwsService.ECR_DOCKER),
            ("LogsEndpoint", InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS),
        })
        {
            Vpc.AddInterfaceEndpoint(endpointId, new InterfaceVpcEndpointOptions
            {
                Service = service,
                Subnets = privateSubnets,
                PrivateDnsEnabled = true,
            });
        }
    }

    /// <summary>
    /// Adds interface endpoints a workload needs beyond ECR, S3 and Logs (EC2 container instances also talk to
    /// ECS itself) when egress is through endpoints; with NAT gateways they are not needed and nothing is added.
    /// </summary>
    public void AddInterfaceEndpoints(params (string Id, InterfaceVpcEndpointAwsService Service)[] endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (Egress != PrivateEgress.VpcEndpoints)
        {
            return;
        }

        foreach (var (endpointId, service) in endpoints)
        {
            Vpc.AddInterfaceEndpoint(endpointId, new InterfaceVpcEndpointOptions { Service = service, Subnets = PrivateSubnets, PrivateDnsEnabled = true });
        }
    }
}
