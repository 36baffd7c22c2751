using System.Text.Json.Nodes;

namespace ReferenceArchitectures.Cdk.Tests.Iam;

// The edges where one service hands events or requests to another without a role: S3 to EventBridge, and API Gateway
// to a Lambda function (allowed only by the function's resource policy).
public static partial class ServiceEdges
{
    private const string ApiGateway = "apigateway.amazonaws.com";

    /// <summary>
    /// Every rule that matches S3 events of a bucket in the template receives them only if the bucket sends events to
    /// EventBridge: S3 delivers to EventBridge when the bucket's notification configuration enables it, and only then
    /// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html). No policy is involved: S3 writes to the
    /// account's default event bus, so a rule on another bus would get nothing, and the test requires the default bus.
    /// </summary>
    public static IEnumerable<EdgeVerdict> BucketEvents(string stack, TemplateValues template)
    {
        ArgumentNullException.ThrowIfNull(template);
        foreach (var rule in template.OfType("AWS::Events::Rule"))
        {
            var properties = template.Properties(rule);
            var pattern = properties["EventPattern"];
            if (pattern?["source"]?.AsArray().Any(source => (string?)source == "aws.s3") != true)
            {
                continue;
            }

            var buckets = (pattern["detail"]?["bucket"]?["name"]?.AsArray() ?? []).Select(TemplateValues.ReferencedId).ToList();
            if (buckets.Count == 0 || buckets.Any(bucket => bucket is null || template.Type(bucket) != "AWS::S3::Bucket"))
            {
                throw new NotSupportedException($"{rule} matches S3 events of buckets this evaluator cannot find in the template.");
            }

            var onDefaultBus = properties["EventBusName"] is null || template.Text(properties["EventBusName"]) == "default";
            foreach (var bucket in buckets)
            {
                var enabled = template.Resolve(template.Properties(bucket!)["NotificationConfiguration"]?["EventBridgeConfiguration"]?["EventBridgeEnabled"]) is JsonValue value
                    && value.ToString() is "true" or "True";
                yield return new(stack, bucket!, rule, "S3 events to EventBridge", enabled && onDefaultBus ? Verdict.Allowed : Verdict.ImplicitlyDenied);
            }
        }
    }

    /// <summary>
    /// Every HTTP API route whose integration is a Lambda function (AWS_PROXY): API Gateway invokes the function as
    /// <c>apigateway.amazonaws.com</c> with <c>aws:SourceArn</c> the route's execute-api ARN,
    /// <c>arn:aws:execute-api:region:account:api-id/stage/METHOD/path</c>, which only the function's resource policy can
    /// allow (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-integration.html). That policy is
    /// the template's <c>AWS::Lambda::Permission</c> resources, each a statement with <c>ArnLike</c> on
    /// <c>aws:SourceArn</c> and <c>StringEquals</c> on <c>aws:SourceAccount</c> when given, as Lambda writes them
    /// (https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html; the AddPermission API reference
    /// says StringLike, which gives the same answer for these ARNs).
    /// </summary>
    public static IEnumerable<EdgeVerdict> ApiInvocations(string stack, TemplateValues template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var (p, r, a) = (template.Target.Partition, template.Target.Region, template.Target.Account);
        foreach (var route in template.OfType("AWS::ApiGatewayV2::Route"))
        {
            var properties = template.Properties(route);
            var target = properties["Target"] is { } t ? template.Text(t) : null;
            if (target is null || !target.StartsWith("integrations/", StringComparison.Ordinal))
            {
                continue;
            }

            var integration = template.OfType("AWS::ApiGatewayV2::Integration").Single(id => template.Text(new JsonObject { ["Ref"] = id }) == target["integrations/".Length..]);
            var integrationProperties = template.Properties(integration);
            if (template.Text(integrationProperties["IntegrationType"]) != "AWS_PROXY")
            {
                continue;
            }

            var function = template.Text(integrationProperties["IntegrationUri"]);
            var api = TemplateValues.ReferencedId(properties["ApiId"])!;
            var routeKey = template.Text(properties["RouteKey"]);
            if (routeKey.Split(' ', 2) is not [var m, var path])
            {
                // AWS documents no request ARN for the $default route; the evaluator would have to guess it.
                throw new NotSupportedException($"{route} has the route key {routeKey}; model its execute-api ARN here.");
            }

            var method = m == "ANY" ? "*" : m;
            var stages = template.OfType("AWS::ApiGatewayV2::Stage").Where(stage => TemplateValues.ReferencedId(template.Properties(stage)["ApiId"]) == api).ToList();
            foreach (var stage in stages)
            {
                var sourceArn = $"arn:{p}:execute-api:{r}:{a}:{template.Text(new JsonObject { ["Ref"] = api })}/{template.Text(template.Properties(stage)["StageName"])}/{method}{path}";
                var invoke = new AccessRequest(RequestPrincipal.ForService(ApiGateway), "lambda:InvokeFunction", function, ServiceContext(template, sourceArn));
                yield return new(stack, route, function, $"lambda:InvokeFunction as {ApiGateway}", PolicyEvaluator.Evaluate(invoke, [], FunctionPolicy(template)));
            }
        }
    }

    /// <summary>
    /// The resource policy that a template's <c>AWS::Lambda::Permission</c> resources add up to, for every function. A
    /// permission for a Function URL adds <c>StringEquals</c> on <c>lambda:FunctionUrlAuthType</c>
    /// (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html), and one with <c>InvokedViaFunctionUrl</c> a
    /// <c>Bool</c> on <c>lambda:InvokedViaFunctionUrl</c>.
    /// </summary>
    public static IReadOnlyList<JsonNode> FunctionPolicy(TemplateValues template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var statements = new JsonArray();
        foreach (var permission in template.OfType("AWS::Lambda::Permission"))
        {
            var properties = template.Properties(permission);
            string[] unmodelled = ["PrincipalOrgID", "EventSourceToken", "Qualifier"];
            if (unmodelled.FirstOrDefault(key => properties[key] is not null) is { } present)
            {
                throw new NotSupportedException($"{permission} sets {present}, which narrows the statement in ways not modelled here.");
            }

            var condition = new JsonObject();
            var stringEquals = new JsonObject();
            if (properties["SourceArn"] is { } sourceArn)
            {
                condition["ArnLike"] = new JsonObject { ["AWS:SourceArn"] = template.Text(sourceArn) };
            }

            if (properties["SourceAccount"] is { } sourceAccount)
            {
                stringEquals["AWS:SourceAccount"] = template.Text(sourceAccount);
            }

            if (properties["FunctionUrlAuthType"] is { } authType)
            {
                stringEquals[FunctionUrlAuthTypeKey] = template.Text(authType);
            }

            if (properties["InvokedViaFunctionUrl"] is { } viaUrl)
            {
                condition["Bool"] = new JsonObject { [InvokedViaFunctionUrlKey] = template.Text(viaUrl).ToLowerInvariant() };
            }

            if (stringEquals.Count > 0)
            {
                condition["StringEquals"] = stringEquals;
            }

            var principal = template.Text(properties["Principal"]);
            statements.Add(new JsonObject
            {
                ["Effect"] = "Allow",
                ["Principal"] = principal.EndsWith(".amazonaws.com", StringComparison.Ordinal) ? new JsonObject { ["Service"] = principal } : new JsonObject { ["AWS"] = principal },
                ["Action"] = template.Text(properties["Action"]),
                ["Resource"] = template.Text(properties["FunctionName"]),
                ["Condition"] = condition,
            });
        }

        return [new JsonObject { ["Statement"] = statements }];
    }
}
