using System.Globalization;
using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AwsApigatewayv2Authorizers;
using Amazon.CDK.AwsApigatewayv2Integrations;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Constructs;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.LambdaBedrock;

/// <summary>
/// Pattern 1: a Native AOT C# function calling Bedrock Converse behind an HTTP API (buffered JSON), and the
/// same executable calling ConverseStream behind a Function URL (server-sent events).
/// </summary>
public sealed class LambdaBedrockStack : Stack
{
    /// <summary>The stack's construct id in the app, and the name of its template in cdk.out.</summary>
    public const string ConstructId = "LambdaBedrockStack";

    public const string FunctionProjectPath = "functions/InferenceApi/ReferenceArchitectures.Functions.InferenceApi.csproj";

    public const string ConverseHandler = "converse";
    public const string ConverseStreamHandler = "converse-stream";
    public const string ChatRoutePath = "/v1/chat";

    // Kept next to the grant it explains; the same text is the cdk-nag acknowledgment's reason.
    private const string XRayWildcardReason =
        "X-Ray PutTraceSegments and PutTelemetryRecords do not support resource-level permissions, so active tracing needs Resource '*' (https://docs.aws.amazon.com/xray/latest/devguide/security_iam_service-with-iam.html).";

    private const string UnauthenticatedApiReason =
        "ApiAuthorization.None was chosen explicitly for a short trial; the default is IAM authorization.";

    public LambdaBedrockStack(Construct scope, string id, LambdaBedrockStackProps? props = null)
        : base(scope, id, props ??= new LambdaBedrockStackProps())
    {
        props.Validate();
        var model = BedrockModel.Parse(props.ModelId, props.InferenceProfileRegions);
        var architecture = props.Architecture.ToLambda();

        // Both functions are one executable; one Code object means one asset and one build.
        var code = DotNetAotCode.FromProject(this, new DotNetAotCodeOptions(FunctionProjectPath, architecture));

        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["BEDROCK_MODEL_ID"] = model.ModelId };
        if (props.GuardrailId is { Length: > 0 } guardrailId)
        {
            environment["BEDROCK_GUARDRAIL_ID"] = guardrailId;
            environment["BEDROCK_GUARDRAIL_VERSION"] = props.GuardrailVersion!;
        }

        if (props.MaxPromptCharacters is { } maxPrompt)
        {
            environment["CHAT_MAX_PROMPT_CHARACTERS"] = maxPrompt.ToString(CultureInfo.InvariantCulture);
        }

        var modelArns = model.InvocationResourceArns(this);
        var apiFunction = CreateFunction("InferenceApi", ConverseHandler, props.ApiTimeoutSeconds, "bedrock:InvokeModel",
            "Chat completion (Bedrock Converse) behind the HTTP API.");
        var streamFunction = CreateFunction("InferenceStream", ConverseStreamHandler, props.StreamTimeoutSeconds, "bedrock:InvokeModelWithResponseStream",
            "Streamed chat completion (Bedrock ConverseStream) behind the Function URL.");

        ApiFunction = apiFunction;
        StreamFunction = streamFunction;
        var apiTarget = LiveAlias(apiFunction, "InferenceApiLive");
        var streamTarget = LiveAlias(streamFunction, "InferenceStreamLive");

        (HttpApi, ChatEndpointUrl) = CreateApi(apiTarget);
        FunctionUrl = streamTarget.AddFunctionUrl(new FunctionUrlOptions
        {
            AuthType = FunctionUrlAuthType.AWS_IAM,
            InvokeMode = InvokeMode.RESPONSE_STREAM,
        });

        AlarmTopic = CreateAlarmTopic();
        AddFunctionAlarms(apiFunction, "InferenceApi", props.ApiTimeoutSeconds);
        AddFunctionAlarms(streamFunction, "InferenceStream", props.StreamTimeoutSeconds);
        AddAlarm(
            "ChatApiServerErrors",
            HttpApi.MetricServerError(new MetricOptions { Period = Duration.Minutes(1), Statistic = Stats.SUM }),
            1,
            "The chat API returned 5xx responses.");

        _ = new CfnOutput(this, "ChatEndpoint", new CfnOutputProps { Value = ChatEndpointUrl, Description = "POST chat requests here (SigV4-signed unless authorization is off)." });
        _ = new CfnOutput(this, "StreamFunctionUrl", new CfnOutputProps { Value = FunctionUrl.Url, Description = "POST chat requests here for server-sent events (SigV4-signed, service lambda)." });
        _ = new CfnOutput(this, "ApiFunctionName", new CfnOutputProps { Value = ApiFunction.FunctionName });
        _ = new CfnOutput(this, "StreamFunctionName", new CfnOutputProps { Value = StreamFunction.FunctionName });
        _ = new CfnOutput(this, "AlarmTopicArn", new CfnOutputProps { Value = AlarmTopic.TopicArn });

        Function CreateFunction(string name, string handler, int timeoutSeconds, string bedrockAction, string description)
        {
            var logGroup = new LogGroup(this, name + "Logs", new LogGroupProps
            {
                Retention = props.LogRetention,
                RemovalPolicy = props.LogRemovalPolicy,
            });

            // An explicit role per function instead of the managed AWSLambdaBasicExecutionRole, which may
            // write to any log group in the account.
            var role = new Role(this, name + "Role", new RoleProps
            {
                AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
                Description = $"Runs the {name} function: its own log group, X-Ray, and {bedrockAction} on the configured model only.",
            });
            role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "WriteOwnLogGroup",
                Actions = ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resources = [logGroup.LogGroupArn],
            }));
            role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "InvokeConfiguredModel",
                Actions = [bedrockAction],
                Resources = [.. modelArns],
            }));
            if (props.GuardrailId is { Length: > 0 } guardrail)
            {
                role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
                {
                    Sid = "ApplyConfiguredGuardrail",
                    Actions = ["bedrock:ApplyGuardrail"],
                    Resources = [$"arn:{Partition}:bedrock:{Region}:{Account}:guardrail/{guardrail}"],
                }));
            }

            var function = new Function(this, name, new FunctionProps
            {
                Description = description,
                Runtime = Runtime.PROVIDED_AL2023,
                Handler = handler,
                Code = code,
                Architecture = architecture,
                MemorySize = props.MemorySizeMb,
                Timeout = Duration.Seconds(timeoutSeconds),
                ReservedConcurrentExecutions = props.ReservedConcurrentExecutions,
                Environment = environment,
                Role = role,
                Tracing = Tracing.ACTIVE,
                LoggingFormat = LoggingFormat.JSON,
                LogGroup = logGroup,
            });

            // Tracing adds its X-Ray statement to the role's default policy while the function is built.
            NagAcknowledgements.Acknowledge(role.Node.FindChild("DefaultPolicy").Node.FindChild("Resource"), "AwsSolutions-IAM5", XRayWildcardReason, "Resource::*");
            return function;
        }

        IFunction LiveAlias(Function function, string aliasId) =>
            props.ProvisionedConcurrentExecutions == 0
                ? function
                : new Amazon.CDK.AWS.Lambda.Alias(this, aliasId, new Amazon.CDK.AWS.Lambda.AliasProps
                {
                    AliasName = "live",
                    Version = function.CurrentVersion,
                    ProvisionedConcurrentExecutions = props.ProvisionedConcurrentExecutions,
                });

        (IHttpApi Api, string Url) CreateApi(IFunction target)
        {
            var api = new HttpApi(this, "ChatApi", new HttpApiProps
            {
                Description = "Chat completion API of the Lambda + Bedrock reference architecture.",
                // The stage is added below with throttling, which the default stage cannot take.
                CreateDefaultStage = false,
            });
            var stage = api.AddStage("DefaultStage", new HttpStageOptions
            {
                StageName = "$default",
                AutoDeploy = true,
                Throttle = new ThrottleSettings { RateLimit = props.ThrottlingRateLimit, BurstLimit = props.ThrottlingBurstLimit },
            });

            var accessLogs = new LogGroup(this, "ChatApiAccessLogs", new LogGroupProps
            {
                Retention = props.LogRetention,
                RemovalPolicy = props.LogRemovalPolicy,
            });

            // The HttpStage L2 of CDK 2.160 has no access-log option; set it on the CloudFormation resource.
            var cfnStage = (CfnStage)stage.Node.DefaultChild!;
            cfnStage.AccessLogSettings = new CfnStage.AccessLogSettingsProperty
            {
                DestinationArn = accessLogs.LogGroupArn,
                Format = AccessLogFormat,
            };

            var routes = api.AddRoutes(new AddRoutesOptions
            {
                Path = ChatRoutePath,
                Methods = [Amazon.CDK.AWS.Apigatewayv2.HttpMethod.POST],
                Integration = new HttpLambdaIntegration("ConverseIntegration", target),
                Authorizer = props.ApiAuthorization == ApiAuthorization.Iam ? new HttpIamAuthorizer() : new HttpNoneAuthorizer(),
            });
            if (props.ApiAuthorization == ApiAuthorization.None)
            {
                foreach (var route in routes)
                {
                    NagAcknowledgements.Acknowledge(route, "AwsSolutions-APIG4", UnauthenticatedApiReason);
                }
            }

            return (api, stage.Url + ChatRoutePath.TrimStart('/'));
        }

        Topic CreateAlarmTopic()
        {
            var key = new Key(this, "AlarmTopicKey", new KeyProps
            {
                Description = "Encrypts the alarm notifications of the Lambda + Bedrock stack.",
                EnableKeyRotation = true,
                // Nothing outlives the topic that this key encrypts; deletion waits the default 30 days.
                RemovalPolicy = RemovalPolicy.DESTROY,
            });

            // CloudWatch publishes alarm notifications to the encrypted topic, so it must use the key
            // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
            key.Grant(new ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*");

            var topic = new Topic(this, "AlarmTopic", new TopicProps
            {
                DisplayName = "Lambda + Bedrock alarms",
                MasterKey = key,
            });

            // TopicProps.EnforceSSL is ignored by CDK 2.160, so the SSL-only statement is written out.
            topic.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "AllowPublishThroughSSLOnly",
                Effect = Effect.DENY,
                Principals = [new AnyPrincipal()],
                Actions = ["sns:Publish"],
                Resources = [topic.TopicArn],
                Conditions = new Dictionary<string, object>
                {
                    ["Bool"] = new Dictionary<string, object> { ["aws:SecureTransport"] = "false" },
                },
            }));
            if (props.AlarmEmail is { } email)
            {
                topic.AddSubscription(new EmailSubscription(email));
            }

            return topic;
        }

        void AddFunctionAlarms(Function function, string name, int timeoutSeconds)
        {
            var minute = Duration.Minutes(1);
            AddAlarm(name + "Errors", function.MetricErrors(new MetricOptions { Period = minute, Statistic = Stats.SUM }), 1,
                $"{name} reported errors.");
            AddAlarm(name + "Throttles", function.MetricThrottles(new MetricOptions { Period = minute, Statistic = Stats.SUM }), 1,
                $"{name} was throttled: raise reserved concurrency or the account limit.");
            // 80% of the timeout: a p99 this close to the limit means requests are about to time out.
            AddAlarm(name + "DurationNearTimeout", function.MetricDuration(new MetricOptions { Period = Duration.Minutes(5), Statistic = Stats.P(99) }),
                timeoutSeconds * 1000 * 0.8,
                $"{name}'s p99 duration is above 80% of its {timeoutSeconds}-second timeout.");
        }

        void AddAlarm(string alarmId, IMetric metric, double threshold, string description)
        {
            var alarm = new Alarm(this, alarmId, new AlarmProps
            {
                Metric = metric,
                Threshold = threshold,
                EvaluationPeriods = 1,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                // No traffic is not a failure.
                TreatMissingData = TreatMissingData.NOT_BREACHING,
                AlarmDescription = description,
            });
            alarm.AddAlarmAction(new SnsAction(AlarmTopic));
        }
    }

    /// <summary>The buffered <c>converse</c> function behind the HTTP API.</summary>
    public IFunction ApiFunction { get; }

    /// <summary>The streaming <c>converse-stream</c> function behind the Function URL.</summary>
    public IFunction StreamFunction { get; }

    public IHttpApi HttpApi { get; }

    /// <summary>The full URL of <c>POST /v1/chat</c>.</summary>
    public string ChatEndpointUrl { get; }

    public IFunctionUrl FunctionUrl { get; }

    public ITopic AlarmTopic { get; }

    private static string AccessLogFormat { get; } = JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["requestId"] = "$context.requestId",
        ["requestTime"] = "$context.requestTime",
        ["sourceIp"] = "$context.identity.sourceIp",
        ["caller"] = "$context.identity.caller",
        ["userArn"] = "$context.identity.userArn",
        ["routeKey"] = "$context.routeKey",
        ["status"] = "$context.status",
        ["protocol"] = "$context.protocol",
        ["responseLength"] = "$context.responseLength",
        ["responseLatency"] = "$context.responseLatency",
        ["integrationLatency"] = "$context.integrationLatency",
        ["integrationError"] = "$context.integrationErrorMessage",
    });
}
