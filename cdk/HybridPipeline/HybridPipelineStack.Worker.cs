using System.Globalization;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using ReferenceArchitectures.Cdk.Constructs;
using ContainerDefinition = Amazon.CDK.AWS.ECS.ContainerDefinition;
using ContainerDefinitionOptions = Amazon.CDK.AWS.ECS.ContainerDefinitionOptions;
using LogGroupProps = Amazon.CDK.AWS.Logs.LogGroupProps;

namespace ReferenceArchitectures.Cdk.HybridPipeline;

// Worker: the heavy path. A Fargate task in private subnets, started by the state machine for each large document.
public sealed partial class HybridPipelineStack
{
    private Worker CreateWorker(HybridPipelineStackProps props, BedrockModel model, DocumentObjects objects)
    {
        // The container patterns' network; the worker needs the internet (through NAT) for Bedrock's endpoint.
        var network = new ServiceNetwork(this, "Network", new ServiceNetworkOptions(PrivateEgress.NatGateways, props.NatGateways, props.LogRetention, props.LogRemovalPolicy));
        var vpc = network.Vpc;
        // Document reads and result writes stay off the NAT gateway (and its per-GB charge).
        vpc.AddGatewayEndpoint("S3Endpoint", new GatewayVpcEndpointOptions { Service = GatewayVpcEndpointAwsService.S3, Subnets = [ServiceNetwork.PrivateSubnets] });

        var cluster = new Cluster(this, "WorkerCluster", new ClusterProps { Vpc = vpc, ContainerInsights = true });

        var taskRole = new Role(this, "WorkerTaskRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("ecs-tasks.amazonaws.com"),
            Description = "The batch worker: reads incoming documents, writes results and embeddings, invokes the configured model.",
        });
        taskRole.AddToPrincipalPolicy(Allow("ReadIncomingDocuments", ReadIncomingVersion, objects.Incoming.Arn));
        taskRole.AddToPrincipalPolicy(Allow("WriteResultsAndEmbeddings", ["s3:PutObject"], objects.Results.Arn, objects.Embeddings.Arn));
        taskRole.AddToPrincipalPolicy(Allow("InvokeConfiguredModel", ["bedrock:InvokeModel"], [.. model.InvocationResourceArns(this)]));
        NagAcknowledgements.Acknowledge(taskRole.Node.FindChild("DefaultPolicy").Node.FindChild("Resource"), "AwsSolutions-IAM5",
            NagReasons.DocumentObjectPrefix, objects.Incoming.Finding, objects.Results.Finding, objects.Embeddings.Finding);

        var taskDefinition = new FargateTaskDefinition(this, "WorkerTask", new FargateTaskDefinitionProps
        {
            Cpu = props.WorkerCpu,
            MemoryLimitMiB = props.WorkerMemoryMiB,
            TaskRole = taskRole,
            RuntimePlatform = new RuntimePlatform { CpuArchitecture = CpuArchitecture.X86_64, OperatingSystemFamily = OperatingSystemFamily.LINUX },
        });
        var workerLogs = new LogGroup(this, "WorkerLogs", new LogGroupProps { Retention = props.LogRetention, RemovalPolicy = props.LogRemovalPolicy });
        var container = taskDefinition.AddContainer(WorkerContainerName, new ContainerDefinitionOptions
        {
            Image = props.WorkerImage ?? DockerfileImage.FromDockerfile(WorkerDockerfile, Amazon.CDK.AWS.Ecr.Assets.Platform_.LINUX_AMD64),
            Logging = LogDriver.AwsLogs(new AwsLogDriverProps { LogGroup = workerLogs, StreamPrefix = "worker" }),
            Environment = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["OUTPUT_BUCKET"] = OutputBucket.BucketName,
                ["BEDROCK_MODEL_ID"] = model.ModelId,
                ["DOCUMENT_CATEGORIES"] = string.Join(',', props.DocumentCategories),
                ["MAX_PARALLEL_CALLS"] = props.WorkerMaxParallelCalls.ToString(CultureInfo.InvariantCulture),
            },
        });
        NagAcknowledgements.Acknowledge(taskDefinition, "AwsSolutions-ECS2", NagReasons.BatchWorkerEnvironment);
        // The execution role pulls the image and writes the log stream; the CDK creates it with the grants it needs.
        DockerfileImage.AcknowledgeRegistryLogin(taskDefinition);

        var securityGroup = new SecurityGroup(this, "WorkerSecurityGroup", new SecurityGroupProps
        {
            Vpc = vpc,
            Description = "Batch worker tasks: no inbound traffic; outbound HTTPS to S3, Bedrock, ECR and CloudWatch Logs.",
            AllowAllOutbound = false,
        });
        securityGroup.AddEgressRule(Peer.AnyIpv4(), Port.Tcp(443), "HTTPS to AWS APIs");
        return new Worker(vpc, cluster, taskDefinition, container, securityGroup);
    }

    /// <summary>What the state machine needs to run the worker: where, which task, which container, which security group.</summary>
    private sealed record Worker(IVpc Vpc, ICluster Cluster, FargateTaskDefinition TaskDefinition, ContainerDefinition Container, ISecurityGroup SecurityGroup);
}
