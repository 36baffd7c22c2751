using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AwsApigatewayv2Authorizers;
using Amazon.CDK.AwsApigatewayv2Integrations;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.WAFv2;
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
    RemovalPolicy AccessLogRemovalPolicy)
{
    /// <summary>Who can reach the model server; see <see cref="EndpointExposure"/>.</summary>
    public EndpointExposure Exposure { get; init; } = EndpointExposure.Authenticated;

    /// <summary>With <see cref="EndpointExposure.Authenticated"/>: how long the API's access logs are kept, and what <c>cdk destroy</c> does with them.</summary>
    public RetentionDays ApiLogRetention { get; init; } = RetentionDays.ONE_MONTH;

    public RemovalPolicy ApiLogRemovalPolicy { get; init; } = RemovalPolicy.DESTROY;

    /// <summary>
    /// With <see cref="EndpointExposure.Authenticated"/>: the steady requests per second and the burst the API's stage
    /// lets through before answering 429, so that a runaway caller cannot scale the service (and its bill) out at will.
    /// API Gateway's own account-level limit is far higher (10,000 per second per Region).
    /// </summary>
    public double ApiRateLimit { get; init; } = 500;

    public int ApiBurstLimit { get; init; } = 1000;

    /// <summary>Requests one client address may make in five minutes before a WAF rule blocks it; null adds no web ACL.</summary>
    public int? RateLimitPerFiveMinutes { get; init; }
}

/// <summary>Who can reach a model server's load balancer.</summary>
public enum EndpointExposure
{
    /// <summary>
    /// An HTTP API with IAM authorization in front of an internal load balancer, reached through a VPC link: callers
    /// sign requests with SigV4, as pattern 1's do.
    /// </summary>
    Authenticated,

    /// <summary>An internal load balancer: only clients in the VPC (or connected to it) reach it.</summary>
    Internal,

    /// <summary>An internet-facing load balancer: anyone can call it. For trials; HTTPS unless plain HTTP is allowed explicitly.</summary>
    Public,
}

/// <summary>Where the load balancer sends requests and how it decides a target is healthy.</summary>
/// <param name="ContainerName">The container that listens.</param>
/// <param name="ContainerPort">The port it listens on.</param>
/// <param name="HealthCheckPath">A cheap path that answers 200 only when the target can serve requests.</param>
public sealed record LoadBalancedContainer(string ContainerName, int ContainerPort, string HealthCheckPath);

/// <summary>
/// The model server's entry point: an Application Load Balancer with one listener (HTTPS with a certificate, HTTP
/// without) that forwards only the API's paths, access logs in an encrypted, SSL-only bucket, and a target group per
/// service; internal, behind an IAM-authorized HTTP API, or internet-facing (<see cref="EndpointExposure"/>). Shared by
/// the container patterns. (The name predates the internal choices; the logical ids depend on it.)
/// </summary>
public sealed class PublicLoadBalancer : Construct
{
    /// <summary>The logical-id path of the access-log bucket; stateful, so it must never change.</summary>
    public const string AccessLogBucketId = "AccessLogs";

    /// <summary>The writer of access logs in Regions opened since August 2022.</summary>
    public const string LogDeliveryService = "logdelivery.elasticloadbalancing.amazonaws.com";

    /// <summary>The paths the load balancer forwards: the API. Everything else (<c>/metrics</c> among it) gets a 404 there.</summary>
    public static readonly string[] ForwardedPaths = ["/v1/*", "/health/ready"];

    /// <summary>The route of the HTTP API with <see cref="EndpointExposure.Authenticated"/>.</summary>
    public const string ApiRoute = "/v1/{proxy+}";

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
            InternetFacing = options.Exposure == EndpointExposure.Public,
            VpcSubnets = options.Exposure == EndpointExposure.Public ? new SubnetSelection { SubnetType = SubnetType.PUBLIC } : ServiceNetwork.PrivateSubnets,
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
                Open = options.Exposure == EndpointExposure.Public,
                DefaultAction = NotFound(),
            });
            LoadBalancer.AddRedirect(new ApplicationLoadBalancerRedirectConfig { SourcePort = 80, TargetPort = 443 });
        }
        else
        {
            Listener = LoadBalancer.AddListener("Http", new BaseApplicationListenerProps
            {
                Port = 80,
                Protocol = ApplicationProtocol.HTTP,
                Open = options.Exposure == EndpointExposure.Public,
                DefaultAction = NotFound(),
            });
        }

        if (options.Exposure == EndpointExposure.Public)
        {
            foreach (var securityGroup in LoadBalancer.Connections.SecurityGroups)
            {
                NagAcknowledgements.Acknowledge(securityGroup, "AwsSolutions-EC23", NagReasons.PublicIngress);
            }
        }
        else if (options.Exposure == EndpointExposure.Internal)
        {
            // Clients in the VPC, or in networks routed to it, call the load balancer directly.
            LoadBalancer.Connections.AllowFrom(Peer.Ipv4(ServiceNetwork.CidrBlock), Port.Tcp(ListenerPort(options)), "Clients in the VPC");
        }

        DeregistrationDelay = options.DeregistrationDelay;
        var loadBalancerUrl = (options.CertificateArn is null ? "http://" : "https://") + LoadBalancer.LoadBalancerDnsName;
        Url = options.Exposure == EndpointExposure.Authenticated ? CreateSignedApi(options) : loadBalancerUrl;
        if (options.RateLimitPerFiveMinutes is { } limit)
        {
            AddRateLimit(limit);
        }
    }

    /// <summary>
    /// Checks a stack's endpoint settings and throws an <see cref="ArgumentException"/> naming the property at fault:
    /// a public endpoint needs a certificate unless plain HTTP is allowed, the signed API is HTTPS at API Gateway and
    /// takes no certificate, and WAF's rate-based rules count from 10 to 2,000,000,000 requests
    /// (https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html).
    /// </summary>
    public static void RequireEndpoint(EndpointExposure exposure, string? certificateArn, bool allowPlainHttp, int? rateLimit,
        string certificateName, string rateLimitName)
    {
        if (exposure == EndpointExposure.Public && certificateArn is null && !allowPlainHttp)
        {
            throw new ArgumentException(
                $"{certificateName} is required for a public endpoint: without it anyone on the path reads and alters requests. Set AllowPlainHttp for a short trial.",
                certificateName);
        }

        if (exposure == EndpointExposure.Authenticated && certificateArn is not null)
        {
            throw new ArgumentException(
                $"{certificateName} applies to internal and public endpoints; the authenticated endpoint is the HTTP API, which serves HTTPS itself.",
                certificateName);
        }

        if (rateLimit is { } limit)
        {
            PropsRules.RequireRange(limit, 10, 2_000_000_000, rateLimitName);
        }
    }

    /// <summary>With <see cref="EndpointExposure.Authenticated"/>, the HTTP API callers sign their requests to; otherwise null.</summary>
    public HttpApi? Api { get; private set; }

    private static int ListenerPort(PublicLoadBalancerOptions options) => options.CertificateArn is null ? 80 : 443;

    // A path the API does not have gets a problem document, without reaching a task.
    private static ListenerAction NotFound() => ListenerAction.FixedResponse(404, new FixedResponseOptions
    {
        ContentType = "application/problem+json",
        MessageBody = "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404}",
    });

    /// <summary>
    /// An HTTP API with IAM authorization on <see cref="ApiRoute"/>, reaching the internal load balancer through a VPC
    /// link (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-private.html).
    /// The link's security group may only reach the listener, and the listener accepts only it.
    /// </summary>
    private string CreateSignedApi(PublicLoadBalancerOptions options)
    {
        var linkGroup = new SecurityGroup(this, "VpcLinkSecurityGroup", new SecurityGroupProps
        {
            Vpc = options.Vpc,
            Description = "The HTTP API's VPC link: reaches the internal load balancer's listener, nothing else.",
            AllowAllOutbound = false,
        });
        LoadBalancer.Connections.AllowFrom(linkGroup, Port.Tcp(ListenerPort(options)), "The HTTP API's VPC link");
        var link = new VpcLink(this, "VpcLink", new VpcLinkProps { Vpc = options.Vpc, Subnets = ServiceNetwork.PrivateSubnets, SecurityGroups = [linkGroup] });

        Api = new HttpApi(this, "Api", new HttpApiProps
        {
            Description = "The model server's API: SigV4-signed requests, forwarded to the internal load balancer.",
            CreateDefaultStage = false,
        });
        var stage = Api.AddStage("DefaultStage", new HttpStageOptions
        {
            StageName = "$default",
            AutoDeploy = true,
            Throttle = new ThrottleSettings { RateLimit = options.ApiRateLimit, BurstLimit = options.ApiBurstLimit },
        });
        var accessLogs = new LogGroup(this, "ApiAccessLogs", new LogGroupProps
        {
            // A vended log outside /aws/vendedlogs/ grows the account's 5,120-character CloudWatch Logs resource policy
            // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html).
            LogGroupName = $"/aws/vendedlogs/apigateway/{Aws.STACK_NAME}/model-api-access",
            Retention = options.ApiLogRetention,
            RemovalPolicy = options.ApiLogRemovalPolicy,
        });
        // The HttpStage L2 of CDK 2.160 has no access-log option; set it on the CloudFormation resource.
        ((CfnStage)stage.Node.DefaultChild!).AccessLogSettings = new CfnStage.AccessLogSettingsProperty
        {
            DestinationArn = accessLogs.LogGroupArn,
            Format = "{\"requestId\":\"$context.requestId\",\"caller\":\"$context.identity.caller\",\"ip\":\"$context.identity.sourceIp\",\"requestTime\":\"$context.requestTime\",\"routeKey\":\"$context.routeKey\",\"status\":\"$context.status\",\"latency\":\"$context.integrationLatency\"}",
        };
        _ = Api.AddRoutes(new AddRoutesOptions
        {
            Path = ApiRoute,
            Methods = [Amazon.CDK.AWS.Apigatewayv2.HttpMethod.ANY],
            Integration = new HttpAlbIntegration("LoadBalancer", Listener, new HttpAlbIntegrationProps { VpcLink = link }),
            Authorizer = new HttpIamAuthorizer(),
        });
        return stage.Url.TrimEnd('/');
    }

    /// <summary>A regional web ACL on the load balancer that blocks an address past <paramref name="limit"/> requests in five minutes.</summary>
    private void AddRateLimit(int limit)
    {
        var visibility = new CfnWebACL.VisibilityConfigProperty { CloudWatchMetricsEnabled = true, SampledRequestsEnabled = true, MetricName = "ModelEndpoint" };
        var acl = new CfnWebACL(this, "WebAcl", new CfnWebACLProps
        {
            Scope = "REGIONAL",
            DefaultAction = new CfnWebACL.DefaultActionProperty { Allow = new CfnWebACL.AllowActionProperty() },
            VisibilityConfig = visibility,
            Rules = new object[]
            {
                new CfnWebACL.RuleProperty
                {
                    Name = "RequestsPerAddress",
                    Priority = 0,
                    Action = new CfnWebACL.RuleActionProperty { Block = new CfnWebACL.BlockActionProperty() },
                    Statement = new CfnWebACL.StatementProperty
                    {
                        RateBasedStatement = new CfnWebACL.RateBasedStatementProperty { Limit = limit, AggregateKeyType = "IP" },
                    },
                    VisibilityConfig = new CfnWebACL.VisibilityConfigProperty { CloudWatchMetricsEnabled = true, SampledRequestsEnabled = true, MetricName = "RequestsPerAddress" },
                },
            },
        });
        _ = new CfnWebACLAssociation(this, "WebAclAssociation", new CfnWebACLAssociationProps
        {
            ResourceArn = LoadBalancer.LoadBalancerArn,
            WebAclArn = acl.AttrArn,
        });
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
        // Prometheus scrapers in the VPC reach /metrics on the task directly; the load balancer never forwards it.
        service.Connections.AllowFrom(Peer.Ipv4(ServiceNetwork.CidrBlock), Port.Tcp(container.ContainerPort), "Metrics scrapers in the VPC");
        return Listener.AddTargets(id, new AddApplicationTargetsProps
        {
            Priority = 10,
            Conditions = [ListenerCondition.PathPatterns(ForwardedPaths)],
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
