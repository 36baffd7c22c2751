using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AwsApigatewayv2Authorizers;
using Amazon.CDK.AwsApigatewayv2Integrations;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;

namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>What <see cref="FunctionHttpApi.AddTo"/> builds.</summary>
/// <param name="Id">The API's construct id; its access log group is <c>{Id}AccessLogs</c>.</param>
/// <param name="AccessLogName">The last part of the access log group's name, under /aws/vendedlogs/apigateway/{stack}/.</param>
/// <param name="RoutePaths">Each path gets one POST route to <paramref name="Target"/>.</param>
/// <param name="IntegrationId">The construct id of the one Lambda integration all routes share.</param>
public sealed record FunctionHttpApiOptions(
    string Id, string Description, string AccessLogName, IReadOnlyList<string> RoutePaths, IFunction Target, string IntegrationId)
{
    /// <summary>Callers sign with SigV4 and need <c>execute-api:Invoke</c> on the route; false leaves the routes open.</summary>
    public bool IamAuthorization { get; init; } = true;

    /// <summary>Why the routes are open, for the cdk-nag acknowledgment; required when <see cref="IamAuthorization"/> is false.</summary>
    public string? OpenRoutesReason { get; init; }

    public required double ThrottlingRateLimit { get; init; }

    public required int ThrottlingBurstLimit { get; init; }

    public required RetentionDays LogRetention { get; init; }

    public required RemovalPolicy LogRemovalPolicy { get; init; }
}

/// <summary>
/// An HTTP API in front of one Lambda function: POST routes, a throttled <c>$default</c> stage with JSON access logs,
/// and IAM authorization. Adds its resources to the stack itself (no construct of its own), so that the stacks that
/// built them inline before keep their logical ids.
/// </summary>
public sealed class FunctionHttpApi
{
    private FunctionHttpApi(HttpApi api, HttpStage stage, IReadOnlyDictionary<string, string> routeUrls, IReadOnlyList<string> iamRouteArns)
    {
        Api = api;
        Stage = stage;
        RouteUrls = routeUrls;
        IamRouteArns = iamRouteArns;
    }

    public HttpApi Api { get; }

    public HttpStage Stage { get; }

    /// <summary>Each route path's full URL.</summary>
    public IReadOnlyDictionary<string, string> RouteUrls { get; }

    /// <summary>The execute-api ARN a caller signs for, per route; empty when the routes are open.</summary>
    public IReadOnlyList<string> IamRouteArns { get; }

    public static FunctionHttpApi AddTo(Stack stack, FunctionHttpApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(options);
        var api = new HttpApi(stack, options.Id, new HttpApiProps
        {
            Description = options.Description,
            // The stage is added below with throttling, which the default stage cannot take.
            CreateDefaultStage = false,
        });
        var stage = api.AddStage("DefaultStage", new HttpStageOptions
        {
            StageName = "$default",
            AutoDeploy = true,
            Throttle = new ThrottleSettings { RateLimit = options.ThrottlingRateLimit, BurstLimit = options.ThrottlingBurstLimit },
        });

        // API Gateway delivers access logs as a vended log: outside /aws/vendedlogs/ each group is added to the account's
        // CloudWatch Logs resource policy (5,120 characters at most), and deploys fail once busy accounts fill it. The
        // stack name keeps the name unique per stack; the construct id (and so the logical id) stays as it was.
        var accessLogs = new LogGroup(stack, options.Id + "AccessLogs", new LogGroupProps
        {
            LogGroupName = $"/aws/vendedlogs/apigateway/{Aws.STACK_NAME}/{options.AccessLogName}",
            Retention = options.LogRetention,
            RemovalPolicy = options.LogRemovalPolicy,
        });

        // The HttpStage L2 of CDK 2.160 has no access-log option; set it on the CloudFormation resource.
        var cfnStage = (CfnStage)stage.Node.DefaultChild!;
        cfnStage.AccessLogSettings = new CfnStage.AccessLogSettingsProperty
        {
            DestinationArn = accessLogs.LogGroupArn,
            Format = AccessLogFormat,
        };

        var integration = new HttpLambdaIntegration(options.IntegrationId, options.Target);
        var urls = new Dictionary<string, string>(StringComparer.Ordinal);
        var routeArns = new List<string>();
        foreach (var path in options.RoutePaths)
        {
            var routes = api.AddRoutes(new AddRoutesOptions
            {
                Path = path,
                Methods = [Amazon.CDK.AWS.Apigatewayv2.HttpMethod.POST],
                Integration = integration,
                Authorizer = options.IamAuthorization ? new HttpIamAuthorizer() : new HttpNoneAuthorizer(),
            });
            urls[path] = stage.Url + path.TrimStart('/');
            if (!options.IamAuthorization)
            {
                foreach (var route in routes)
                {
                    NagAcknowledgements.Acknowledge(route, "AwsSolutions-APIG4",
                        options.OpenRoutesReason ?? throw new ArgumentException("Open routes need a reason.", nameof(options)));
                }

                continue;
            }

            // A signed request is authorized against arn:...:execute-api:region:account:api-id/stage/METHOD/path
            // (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html).
            routeArns.Add(api.ArnForExecuteApi("POST", path, stage.StageName));
        }

        return new FunctionHttpApi(api, stage, urls, routeArns);
    }

    /// <summary>The function itself, or a <c>live</c> alias that keeps <paramref name="provisioned"/> environments initialized.</summary>
    public static IFunction LiveAlias(Stack stack, Function function, string aliasId, int provisioned) =>
        provisioned == 0
            ? function
            : new Amazon.CDK.AWS.Lambda.Alias(stack, aliasId, new Amazon.CDK.AWS.Lambda.AliasProps
            {
                AliasName = "live",
                Version = function.CurrentVersion,
                ProvisionedConcurrentExecutions = provisioned,
            });

    /// <summary>Errors, throttles, and a p99 duration near the timeout, each to the alarm topic.</summary>
    public static void AddFunctionAlarms(EncryptedAlarmTopic alarms, Function function, string name, int timeoutSeconds)
    {
        ArgumentNullException.ThrowIfNull(alarms);
        ArgumentNullException.ThrowIfNull(function);
        var minute = Duration.Minutes(1);
        alarms.AddAlarm(name + "Errors", function.MetricErrors(new MetricOptions { Period = minute, Statistic = Stats.SUM }),
            threshold: 1, evaluationPeriods: 1, $"{name} reported errors.");
        alarms.AddAlarm(name + "Throttles", function.MetricThrottles(new MetricOptions { Period = minute, Statistic = Stats.SUM }),
            threshold: 1, evaluationPeriods: 1, $"{name} was throttled: raise reserved concurrency or the account limit.");
        // 80% of the timeout: a p99 this close to the limit means requests are about to time out.
        alarms.AddAlarm(name + "DurationNearTimeout", function.MetricDuration(new MetricOptions { Period = Duration.Minutes(5), Statistic = Stats.P(99) }),
            threshold: timeoutSeconds * 1000 * 0.8, evaluationPeriods: 1, $"{name}'s p99 duration is above 80% of its {timeoutSeconds}-second timeout.");
    }

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
        // The Lambda request id of the invocation behind the request, which the function's JSON log lines carry as
        // requestId: it joins an access-log line to the function's log (HTTP API logging variables,
        // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html).
        ["integrationRequestId"] = "$context.integration.requestId",
    });
}
