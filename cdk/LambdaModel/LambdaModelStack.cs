using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.SNS;
using Constructs;
using ReferenceArchitectures.Cdk.Constructs;
using ReferenceArchitectures.Functions.EmbeddingsApi;

namespace ReferenceArchitectures.Cdk.LambdaModel;

/// <summary>
/// The Lambda-hosted model: pattern 2's embeddings API (all-MiniLM-L6-v2 in ONNX Runtime, the same engine and the same
/// contracts) served by a Native AOT Lambda function behind an HTTP API with IAM authorization. The model travels in
/// the function's package and is loaded once per execution environment, during init.
/// </summary>
public sealed class LambdaModelStack : Stack
{
    /// <summary>The stack's construct id in the app, and the name of its template in cdk.out.</summary>
    public const string ConstructId = "LambdaModelStack";

    public const string FunctionProjectPath = "functions/EmbeddingsApi/ReferenceArchitectures.Functions.EmbeddingsApi.csproj";

    // The handler and variable names are the function's (functions/EmbeddingsApi/EmbeddingsFunctionContract.cs,
    // compiled into this app too), so the stack and the code cannot spell them differently.
    public const string Handler = EmbeddingsFunctionContract.Handler;
    public const string EmbeddingsRoutePath = "/v1/embeddings";
    public const string SimilarityRoutePath = "/v1/similarity";

    public LambdaModelStack(Construct scope, string id, LambdaModelStackProps? props = null)
        : base(scope, id, props ??= new LambdaModelStackProps())
    {
        props.Validate();
        var architecture = props.Architecture.ToLambda();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [EmbeddingsFunctionContract.IntraOpThreadsVariable] = props.IntraOpThreads.ToString(CultureInfo.InvariantCulture),
        };
        if (props.MaxInputsPerRequest is { } inputs)
        {
            environment[EmbeddingsFunctionContract.MaxInputsPerRequestVariable] = inputs.ToString(CultureInfo.InvariantCulture);
        }

        if (props.MaxCharactersPerInput is { } characters)
        {
            environment[EmbeddingsFunctionContract.MaxCharactersPerInputVariable] = characters.ToString(CultureInfo.InvariantCulture);
        }

        var function = TracedFunction.AddTo(this, "EmbeddingsFunction", new TracedFunctionOptions
        {
            Code = DotNetAotCode.FromProject(this, new DotNetAotCodeOptions(FunctionProjectPath, architecture)),
            Architecture = architecture,
            Handler = Handler,
            Description = "all-MiniLM-L6-v2 embeddings (ONNX Runtime, model in the package) behind the HTTP API.",
            RoleDescription = "Runs the EmbeddingsFunction function: its own log group and X-Ray; the model is in its package, so nothing else.",
            MemorySizeMb = props.MemorySizeMb,
            TimeoutSeconds = props.TimeoutSeconds,
            ReservedConcurrentExecutions = props.ReservedConcurrentExecutions,
            Environment = environment,
            LogRetention = props.LogRetention,
            LogRemovalPolicy = props.LogRemovalPolicy,
        }).Function;
        // API Gateway invokes the function synchronously: a failed request is answered to its caller, nothing is queued.
        NagAcknowledgements.Acknowledge(function, "Serverless-LambdaDLQ", NagReasons.SynchronousInvocation);
        Function = function;

        var target = FunctionHttpApi.LiveAlias(this, function, "EmbeddingsFunctionLive", props.ProvisionedConcurrentExecutions);
        var api = FunctionHttpApi.AddTo(this, new FunctionHttpApiOptions(
            "EmbeddingsApi", "Embeddings API (all-MiniLM-L6-v2 on Lambda) of the AI reference architecture.", "embeddings-api-access",
            [EmbeddingsRoutePath, SimilarityRoutePath], target, "EmbeddingsIntegration")
        {
            ThrottlingRateLimit = props.ThrottlingRateLimit,
            ThrottlingBurstLimit = props.ThrottlingBurstLimit,
            LogRetention = props.LogRetention,
            LogRemovalPolicy = props.LogRemovalPolicy,
        });
        HttpApi = api.Api;
        EmbeddingsEndpointUrl = api.RouteUrls[EmbeddingsRoutePath];
        SimilarityEndpointUrl = api.RouteUrls[SimilarityRoutePath];
        CallerPolicy = new ManagedPolicy(this, "CallerPolicy", new ManagedPolicyProps
        {
            Description = "Calls the embeddings API of this stack; attach it to its callers.",
            Statements = [new PolicyStatement(new PolicyStatementProps { Sid = "InvokeEmbeddingsRoutes", Actions = ["execute-api:Invoke"], Resources = [.. api.IamRouteArns] })],
        });

        var alarms = EncryptedAlarmTopic.AddTo(this, "AlarmTopic", new EncryptedAlarmTopicOptions("Lambda-hosted model alarms", props.AlarmEmail)
        {
            KeyDescription = "Encrypts the alarm notifications of the Lambda-hosted model stack.",
        });
        AlarmTopic = alarms.Topic;
        FunctionHttpApi.AddFunctionAlarms(alarms, function, "EmbeddingsFunction", props.TimeoutSeconds);
        alarms.AddAlarm("EmbeddingsApiServerErrors", HttpApi.MetricServerError(new MetricOptions { Period = Duration.Minutes(1), Statistic = Stats.SUM }),
            threshold: 1, evaluationPeriods: 1, "The embeddings API returned 5xx responses.");

        _ = new CfnOutput(this, "EmbeddingsEndpoint", new CfnOutputProps { Value = EmbeddingsEndpointUrl, Description = "POST embedding requests here (SigV4-signed, service execute-api)." });
        _ = new CfnOutput(this, "SimilarityEndpoint", new CfnOutputProps { Value = SimilarityEndpointUrl, Description = "POST similarity requests here (SigV4-signed, service execute-api)." });
        _ = new CfnOutput(this, "FunctionName", new CfnOutputProps { Value = Function.FunctionName });
        _ = new CfnOutput(this, "AlarmTopicArn", new CfnOutputProps { Value = AlarmTopic.TopicArn });
        _ = new CfnOutput(this, CallerPolicyOutput, new CfnOutputProps
        {
            Value = CallerPolicy.ManagedPolicyArn,
            Description = "Attach to the roles or users that call the embeddings API.",
        });
    }

    /// <summary>The output that names <see cref="CallerPolicy"/>.</summary>
    public const string CallerPolicyOutput = "CallerPolicyArn";

    public IFunction Function { get; }

    public IHttpApi HttpApi { get; }

    /// <summary>The full URL of <c>POST /v1/embeddings</c>.</summary>
    public string EmbeddingsEndpointUrl { get; }

    /// <summary>The full URL of <c>POST /v1/similarity</c>.</summary>
    public string SimilarityEndpointUrl { get; }

    public ITopic AlarmTopic { get; }

    /// <summary><c>execute-api:Invoke</c> on the two routes and nothing else: attach it to the callers' roles.</summary>
    public IManagedPolicy CallerPolicy { get; }
}
