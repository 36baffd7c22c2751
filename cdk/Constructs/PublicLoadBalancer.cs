using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.S3;
using Constructs;
using ElbProtocol = Amazon.CDK.AWS.ElasticLoadBalancingV2.Protocol;

namespace ReferenceArchitectures.Cdk.Constructs;

/// <param name="Vpc">The VPC; the load balancer goes into its public subnets.</param>
/// <param name="CertificateArn">An ACM certificate for an HTTPS listener; null serves plain HTTP, which is only for trials.</param>
/// <param name="DeregistrationDelay">How long a target that is leaving keeps serving the requests it already has.</param>
/// <param name="AccessLogExpiration">After how long access-log objects are deleted.</param>
/// <param name="AccessLogRemovalPolicy">What <c>cdk destroy</c> does with the access-log bucket.</param>
public sealed record PublicLoadBalancerOptions(
    IVpc Vpc,
    string? CertificateArn,
    Duration DeregistrationDelay,
    Duration AccessLogExpiration,
    RemovalPolicy AccessLogRemovalPolicy);

/// <summary>Where the load balancer sends requests and how it decides a target is healthy.</summary>
/// <param name="ContainerName">The container that listens.</param>
/// <param name="ContainerPort">The port it listens on.</param>
/// <param name="HealthCheckPath">A cheap path that answers 200 only when the target can serve requests.</param>
public sealed record LoadBalancedContainer(string ContainerName, int ContainerPort, string HealthCheckPath);

/// <summary>
/// An internet-facing Application Load Balancer with one listener (HTTPS with a certificate, HTTP without),
/// access logs in an encrypted, SSL-only bucket, and a target group per service. Shared by the container patterns.
/// </summary>
public sealed class PublicLoadBalancer : Construct
{
    /// <summary>The logical-id path of the access-log bucket; stateful, so it must never change.</summary>
    public const string AccessLogBucketId = "AccessLogs";

    /// <summary>The writer of access logs in Regions opened since August 2022.</summary>
    public const string LogDeliveryService = "logdelivery.elasticloadbalancing.amazonaws.com";

    /// <summary>The mapping's value for a Region that has no Elastic Load Balancing account.</summary>
    private const string NoAccount = "none";

    public PublicLoadBalancer(Construct scope, string id, PublicLoadBalancerOptions options)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(options);
        AccessLogBucket = new Bucket(this, AccessLogBucketId, new BucketProps
        {
            // ALB access logs can only be written to buckets encrypted with S3-managed keys
            // (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html).
            Encryption = BucketEncryption.S3_MANAGED,
            EnforceSSL = true,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            Versioned = false,
            LifecycleRules = [new LifecycleRule { Expiration = options.AccessLogExpiration, AbortIncompleteMultipartUploadAfter = Duration.Days(1) }],
            RemovalPolicy = options.AccessLogRemovalPolicy,
            // Destroy means the bucket must be emptied first, or the stack deletion fails on it.
            AutoDeleteObjects = options.AccessLogRemovalPolicy == RemovalPolicy.DESTROY,
        });
        NagAcknowledgements.Acknowledge(AccessLogBucket, "AwsSolutions-S1", NagReasons.LoadBalancerAccessLogBucket);

        LoadBalancer = new ApplicationLoadBalancer(this, "LoadBalancer", new ApplicationLoadBalancerProps
        {
            Vpc = options.Vpc,
            InternetFacing = true,
            VpcSubnets = new SubnetSelection { SubnetType = SubnetType.PUBLIC },
            DropInvalidHeaderFields = true,
            // Teardown must complete; the load balancer holds no state.
            DeletionProtection = false,
        });
        EnableAccessLogs();

        if (options.CertificateArn is { } certificateArn)
        {
            Listener = LoadBalancer.AddListener("Https", new BaseApplicationListenerProps
            {
                Port = 443,
                Protocol = ApplicationProtocol.HTTPS,
                Certificates = [ListenerCertificate.FromArn(certificateArn)],
                SslPolicy = SslPolicy.RECOMMENDED_TLS,
                Open = true,
            });
            LoadBalancer.AddRedirect(new ApplicationLoadBalancerRedirectConfig { SourcePort = 80, TargetPort = 443 });
        }
        else
        {
            Listener = LoadBalancer.AddListener("Http", new BaseApplicationListenerProps
            {
                Port = 80,
                Protocol = ApplicationProtocol.HTTP,
                Open = true,
            });
        }

        foreach (var securityGroup in LoadBalancer.Connections.SecurityGroups)
        {
            NagAcknowledgements.Acknowledge(securityGroup, "AwsSolutions-EC23", NagReasons.PublicIngress);
        }

        DeregistrationDelay = options.DeregistrationDelay;
        Url = (options.CertificateArn is null ? "http://" : "https://") + LoadBalancer.LoadBalancerDnsName;
    }

    public ApplicationLoadBalancer LoadBalancer { get; }

    public ApplicationListener Listener { get; }

    public IBucket AccessLogBucket { get; }

    /// <summary>The base URL clients call (scheme and the load balancer's DNS name).</summary>
    public string Url { get; }

    private Duration DeregistrationDelay { get; }

    private void EnableAccessLogs()
    {
        var stack = Stack.Of(this);
        if (!Token.IsUnresolved(stack.Region))
        {
            // The Region is known (the CLI sets it when deploying): the CDK grants the Region's log-delivery principal.
            LoadBalancer.LogAccessLogs(AccessLogBucket);
            DeleteLoadBalancerFirst();
            return;
        }

        // An environment-agnostic synth (tests, CI, a pipeline that deploys the template) cannot name the Region's
        // writer, so the template picks it at deploy time. Regions available before August 2022 deliver as the
        // Region's Elastic Load Balancing account; later ones deliver as the log-delivery service principal
        // (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html).
        // Fn::FindInMap fails the deployment for a key the mapping lacks, even inside an Fn::If branch that is not
        // taken, so the mapping lists every Region the CDK knows, those without an account as NoAccount.
        var accounts = new CfnMapping(this, "LogDeliveryAccounts", new CfnMappingProps
        {
            Mapping = Amazon.CDK.RegionInfo.RegionInfo.Regions.ToDictionary(region => region.Name, region => (IDictionary<string, object>)new Dictionary<string, object> { ["Account"] = region.Elbv2Account ?? NoAccount }),
        });
        var regionAccount = accounts.FindInMap(stack.Region, "Account");
        var hasAccount = new CfnCondition(this, "RegionHasLoadBalancingAccount", new CfnConditionProps
        {
            Expression = Fn.ConditionNot(Fn.ConditionEquals(regionAccount, NoAccount)),
        });
        var accountArn = Fn.ConditionIf(hasAccount.LogicalId, $"arn:{stack.Partition}:iam::{regionAccount}:root", Aws.NO_VALUE).ToString();

        // One statement: in the older Regions the account and the service may both write; in the newer ones the
        // account entry is left out (AWS::NoValue) and only the service remains.
        AccessLogBucket.AddToResourcePolicy(new Amazon.CDK.AWS.IAM.PolicyStatement(new Amazon.CDK.AWS.IAM.PolicyStatementProps
        {
            Sid = "LoadBalancingWritesAccessLogs",
            Actions = ["s3:PutObject"],
            Principals =
            [
                new Amazon.CDK.AWS.IAM.ArnPrincipal(accountArn),
                new Amazon.CDK.AWS.IAM.ServicePrincipal(LogDeliveryService),
            ],
            Resources = [AccessLogBucket.ArnForObjects($"AWSLogs/{stack.Account}/*")],
        }));
        LoadBalancer.SetAttribute("access_logs.s3.enabled", "true");
        LoadBalancer.SetAttribute("access_logs.s3.bucket", AccessLogBucket.BucketName);

        // The load balancer checks that it may write when logging is switched on, so the policy must exist first.
        DeleteLoadBalancerFirst();
    }

    /// <summary>
    /// Makes the load balancer depend on the whole bucket construct: its policy and, with Destroy, the custom resource
    /// that empties it. CloudFormation then deletes the load balancer first, and the bucket is emptied (new objects
    /// denied first) only once nothing writes to it; otherwise a log file delivered after the emptying fails the
    /// bucket's deletion (aws-cdk#16332). Once the bucket policy is deleted, nothing may write at all.
    /// </summary>
    private void DeleteLoadBalancerFirst() => LoadBalancer.Node.AddDependency(AccessLogBucket);

    /// <summary>
    /// Sends the listener's requests to <paramref name="service"/>. The service's security group then accepts
    /// the container port from the load balancer's security group only.
    /// </summary>
    public ApplicationTargetGroup AddService(string id, BaseService service, LoadBalancedContainer container, Duration healthCheckInterval)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(container);
        return Listener.AddTargets(id, new AddApplicationTargetsProps
        {
            Port = container.ContainerPort,
            Protocol = ApplicationProtocol.HTTP,
            Targets =
            [
                service.LoadBalancerTarget(new LoadBalancerTargetOptions
                {
                    ContainerName = container.ContainerName,
                    ContainerPort = container.ContainerPort,
                }),
            ],
            DeregistrationDelay = DeregistrationDelay,
            HealthCheck = new Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck
            {
                Path = container.HealthCheckPath,
                Protocol = ElbProtocol.HTTP,
                HealthyHttpCodes = "200",
                Interval = healthCheckInterval,
                Timeout = Duration.Seconds(5),
                HealthyThresholdCount = 2,
                UnhealthyThresholdCount = 3,
            },
        });
    }
}
