using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SNS;
using Constructs;
using ReferenceArchitectures.Cdk.Constructs;
using ReferenceArchitectures.Functions.InferenceApi;
using LambdaArchitecture = Amazon.CDK.AWS.Lambda.Architecture;

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

    // The handler and variable names are the function's (functions/InferenceApi/ChatFunctionContract.cs, compiled
    // into this app too), so the stack and the code cannot spell them differently.
    public const string ConverseHandler = ChatFunctionContract.ConverseHandler;
    public const string ConverseStreamHandler = ChatFunctionContract.ConverseStreamHandler;
    public const string ChatRoutePath = "/v1/chat";

    public LambdaBedrockStack(Construct scope, string id, LambdaBedrockStackProps? props = null)
        : base(scope, id, props ??= new LambdaBedrockStackProps())
    {
        props.Validate();
        var model = BedrockModel.Parse(props.ModelId, props.InferenceProfileRegions);

        // Both functions are one executable: one Code object means one asset and one build.
        var architecture = props.Architecture.ToLambda();
        var code = DotNetAotCode.FromProject(this, new DotNetAotCodeOptions(FunctionProjectPath, architecture));
        var apiFunction = CreateFunction(props, model, code, architecture, "InferenceApi", ConverseHandler, props.ApiTimeoutSeconds,
            "bedrock:InvokeModel", "Chat completion (Bedrock Converse) behind the HTTP API.");
        var streamFunction = CreateFunction(props, model, code, architecture, "InferenceStream", ConverseStreamHandler, props.StreamTimeoutSeconds,
            "bedrock:InvokeModelWithResponseStream", "Streamed chat completion (Bedrock ConverseStream) behind the Function URL.");
        ApiFunction = apiFunction;
        StreamFunction = streamFunction;

        // The buffered function behind an HTTP API, the streaming one behind a Function URL.
        var apiTarget = FunctionHttpApi.LiveAlias(this, apiFunction, "InferenceApiLive", props.ProvisionedConcurrentExecutions);
        var streamTarget = FunctionHttpApi.LiveAlias(this, streamFunction, "InferenceStreamLive", props.ProvisionedConcurrentExecutions);
        var chatApi = FunctionHttpApi.AddTo(this, new FunctionHttpApiOptions(
            "ChatApi", "Chat completion API of the Lambda + Bedrock reference architecture.", "chat-api-access", [ChatRoutePath], apiTarget, "ConverseIntegration")
        {
            IamAuthorization = props.ApiAuthorization == ApiAuthorization.Iam,
            OpenRoutesReason = NagReasons.UnauthenticatedApi,
            ThrottlingRateLimit = props.ThrottlingRateLimit,
            ThrottlingBurstLimit = props.ThrottlingBurstLimit,
            LogRetention = props.LogRetention,
            LogRemovalPolicy = props.LogRemovalPolicy,
        });
        HttpApi = chatApi.Api;
        ChatEndpointUrl = chatApi.RouteUrls[ChatRoutePath];
        var chatRouteArns = chatApi.IamRouteArns;
        FunctionUrl = streamTarget.AddFunctionUrl(new FunctionUrlOptions
        {
            AuthType = FunctionUrlAuthType.AWS_IAM,
            InvokeMode = InvokeMode.RESPONSE_STREAM,
        });
        CallerPolicy = CreateCallerPolicy(streamTarget, chatRouteArns);

        var alarms = EncryptedAlarmTopic.AddTo(this, "AlarmTopic", new EncryptedAlarmTopicOptions("Lambda + Bedrock alarms", props.AlarmEmail)
        {
            KeyDescription = "Encrypts the alarm notifications of the Lambda + Bedrock stack.",
        });
        AlarmTopic = alarms.Topic;
        FunctionHttpApi.AddFunctionAlarms(alarms, apiFunction, "InferenceApi", props.ApiTimeoutSeconds);
        FunctionHttpApi.AddFunctionAlarms(alarms, streamFunction, "InferenceStream", props.StreamTimeoutSeconds);
        AddStreamFailureAlarm(alarms, streamFunction);
        alarms.AddAlarm("ChatApiServerErrors", HttpApi.MetricServerError(new MetricOptions { Period = Duration.Minutes(1), Statistic = Stats.SUM }),
            threshold: 1, evaluationPeriods: 1, "The chat API returned 5xx responses.");

        _ = new CfnOutput(this, "ChatEndpoint", new CfnOutputProps { Value = ChatEndpointUrl, Description = "POST chat requests here (SigV4-signed unless authorization is off)." });
        _ = new CfnOutput(this, "StreamFunctionUrl", new CfnOutputProps { Value = FunctionUrl.Url, Description = "POST chat requests here for server-sent events (SigV4-signed, service lambda)." });
        _ = new CfnOutput(this, "ApiFunctionName", new CfnOutputProps { Value = ApiFunction.FunctionName });
        _ = new CfnOutput(this, "StreamFunctionName", new CfnOutputProps { Value = StreamFunction.FunctionName });
        _ = new CfnOutput(this, "AlarmTopicArn", new CfnOutputProps { Value = AlarmTopic.TopicArn });
        _ = new CfnOutput(this, CallerPolicyOutput, new CfnOutputProps
        {
            Value = CallerPolicy.ManagedPolicyArn,
            Description = "Attach to the roles or users that call the chat API and the Function URL.",
        });
    }

    /// <summary>The output that names <see cref="CallerPolicy"/>.</summary>
    public const string CallerPolicyOutput = "CallerPolicyArn";

    /// <summary>The buffered <c>converse</c> function behind the HTTP API.</summary>
    public IFunction ApiFunction { get; }

    /// <summary>The streaming <c>converse-stream</c> function behind the Function URL.</summary>
    public IFunction StreamFunction { get; }

    public IHttpApi HttpApi { get; }

    /// <summary>The full URL of <c>POST /v1/chat</c>.</summary>
    public string ChatEndpointUrl { get; }

    public IFunctionUrl FunctionUrl { get; }

    public ITopic AlarmTopic { get; }

    /// <summary>Everything a caller of both endpoints needs, and nothing else: attach it to the callers' roles.</summary>
    public IManagedPolicy CallerPolicy { get; }

    private Function CreateFunction(LambdaBedrockStackProps props, BedrockModel model, Code code, LambdaArchitecture architecture,
        string name, string handler, int timeoutSeconds, string bedrockAction, string description)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { [ChatFunctionContract.ModelIdVariable] = model.ModelId };
        var statements = new List<PolicyStatement>
        {
            new(new PolicyStatementProps { Sid = "InvokeConfiguredModel", Actions = [bedrockAction], Resources = [.. model.InvocationResourceArns(this)] }),
        };
        if (props.GuardrailId is { Length: > 0 } guardrailId)
        {
            environment[ChatFunctionContract.GuardrailIdVariable] = guardrailId;
            environment[ChatFunctionContract.GuardrailVersionVariable] = props.GuardrailVersion!;
            statements.Add(new PolicyStatement(new PolicyStatementProps
            {
                Sid = "ApplyConfiguredGuardrail",
                Actions = ["bedrock:ApplyGuardrail"],
                Resources = [$"arn:{Partition}:bedrock:{Region}:{Account}:guardrail/{guardrailId}"],
            }));
        }

        if (props.MaxPromptCharacters is { } maxPrompt)
        {
            environment[ChatFunctionContract.MaxPromptCharactersVariable] = maxPrompt.ToString(CultureInfo.InvariantCulture);
        }

        var function = TracedFunction.AddTo(this, name, new TracedFunctionOptions
        {
            Code = code,
            Architecture = architecture,
            Handler = handler,
            Description = description,
            RoleDescription = $"Runs the {name} function: its own log group, X-Ray, and {bedrockAction} on the configured model only.",
            MemorySizeMb = props.MemorySizeMb,
            TimeoutSeconds = timeoutSeconds,
            ReservedConcurrentExecutions = props.ReservedConcurrentExecutions,
            Environment = environment,
            Statements = statements,
            LogRetention = props.LogRetention,
            LogRemovalPolicy = props.LogRemovalPolicy,
        }).Function;
        // API Gateway and the Function URL invoke both functions synchronously.
        NagAcknowledgements.Acknowledge(function, "Serverless-LambdaDLQ", NagReasons.SynchronousInvocation);
        return function;
    }

    /// <summary>
    /// The caller's side of both endpoints, as a managed policy the user attaches instead of writing one. A Function URL
    /// with AWS_IAM auth checks <c>lambda:InvokeFunctionUrl</c> and, for URLs created since October 2025,
    /// <c>lambda:InvokeFunction</c> too (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html); the first carries
    /// <c>lambda:FunctionUrlAuthType</c>, so the grant holds only while the URL demands signatures. The second is not
    /// narrowed: the same page documents <c>lambda:InvokedViaFunctionUrl</c> only for the function's resource policy,
    /// and a condition key a request might not carry would deny every stream, while a direct Invoke of this function
    /// gives a caller nothing the URL does not. The API's routes are granted by their execute-api ARNs, one per route.
    /// </summary>
    private ManagedPolicy CreateCallerPolicy(IFunction streamTarget, IReadOnlyList<string> routeArns)
    {
        var statements = new List<PolicyStatement>
        {
            new(new PolicyStatementProps
            {
                Sid = "InvokeStreamFunctionUrl",
                Actions = ["lambda:InvokeFunctionUrl"],
                Resources = [streamTarget.FunctionArn],
                Conditions = new Dictionary<string, object>
                {
                    ["StringEquals"] = new Dictionary<string, object> { ["lambda:FunctionUrlAuthType"] = "AWS_IAM" },
                },
            }),
            new(new PolicyStatementProps
            {
                Sid = "InvokeStreamFunction",
                Actions = ["lambda:InvokeFunction"],
                Resources = [streamTarget.FunctionArn],
            }),
        };
        if (routeArns.Count > 0)
        {
            statements.Add(new PolicyStatement(new PolicyStatementProps { Sid = "InvokeChatRoutes", Actions = ["execute-api:Invoke"], Resources = [.. routeArns] }));
        }

        return new ManagedPolicy(this, "CallerPolicy", new ManagedPolicyProps
        {
            Description = "Calls the chat API and the streaming Function URL of this stack; attach it to their callers.",
            Statements = [.. statements],
        });
    }

    /// <summary>
    /// A stream that fails after its first token ends with an SSE error event and counts as a success in Lambda's
    /// Errors metric. The function counts it itself in an Embedded Metric Format log line
    /// (functions/InferenceApi/StreamFailureMetric.cs; the names are ChatFunctionContract's). EMF is a log line that
    /// CloudWatch Logs turns into a metric, so the role needs nothing beyond writing to its log group.
    /// </summary>
    private static void AddStreamFailureAlarm(EncryptedAlarmTopic alarms, Function function)
    {
        var failures = new Metric(new MetricProps
        {
            Namespace = StreamFailureNamespace,
            MetricName = ChatFunctionContract.StreamFailureMetricName,
            DimensionsMap = new Dictionary<string, string> { [ChatFunctionContract.StreamFailureDimension] = function.FunctionName },
            Period = Duration.Minutes(1),
            Statistic = Stats.SUM,
        });
        alarms.AddAlarm("InferenceStreamFailures", failures, threshold: 1, evaluationPeriods: 1,
            "InferenceStream answered with a server-side fault, before or after the first token (Lambda counts these as successes).");
    }

    /// <summary>The namespace of the function's Embedded Metric Format metrics.</summary>
    public const string StreamFailureNamespace = ChatFunctionContract.StreamFailureNamespace;
}
