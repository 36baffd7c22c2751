using System.Text.Json.Nodes;

namespace ReferenceArchitectures.Cdk.Tests.Iam;

// The edges from outside the stack in: a caller signs a request to a Function URL or an IAM-authorized route, and the
// service authorizes it against the caller's identity policy and the function's resource policy.
public static partial class ServiceEdges
{
    /// <summary>The output in which a stack names the managed policy its callers attach (pattern 1's <c>CallerPolicy</c>).</summary>
    public const string CallerPolicyOutput = "CallerPolicyArn";

    private const string FunctionUrlAuthTypeKey = "lambda:FunctionUrlAuthType";
    private const string InvokedViaFunctionUrlKey = "lambda:InvokedViaFunctionUrl";

    /// <summary>
    /// Every request a caller makes to the stack's signed endpoints, as a role of the stack's account with only the
    /// policy the stack outputs as <see cref="CallerPolicyOutput"/> attached. A Function URL with AuthType AWS_IAM is
    /// authorized twice: <c>lambda:InvokeFunctionUrl</c>, whose request carries <c>lambda:FunctionUrlAuthType</c>, and
    /// <c>lambda:InvokeFunction</c>, whose request carries <c>lambda:InvokedViaFunctionUrl</c> (both checked for URLs
    /// created since October 2025, https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html; the context key dates
    /// from Lambda's API change of 10 October 2025), each against the caller's identity policy and the function's
    /// resource policy (in one account, either may allow). An HTTP API route with AWS_IAM authorization needs
    /// <c>execute-api:Invoke</c> on <c>arn:aws:execute-api:region:account:api-id/stage/METHOD/path</c>
    /// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html); HTTP APIs have
    /// no resource policy. A stack without that output leaves its callers' policy to the user and has no edges here.
    /// </summary>
    public static IEnumerable<EdgeVerdict> Callers(string stack, TemplateValues template)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (TemplateValues.ReferencedId(template.Output(CallerPolicyOutput)) is not { } policy)
        {
            yield break;
        }

        if (template.Type(policy) != "AWS::IAM::ManagedPolicy")
        {
            throw new NotSupportedException($"{CallerPolicyOutput} names a {template.Type(policy)}; evaluate callers against it here.");
        }

        var (p, r, a) = (template.Target.Partition, template.Target.Region, template.Target.Account);
        var caller = RequestPrincipal.ForRole($"arn:{p}:iam::{a}:role/caller");
        JsonNode[] identity = [template.Resolve(template.Properties(policy)["PolicyDocument"])!];
        foreach (var url in template.OfType("AWS::Lambda::Url").Where(url => template.Text(template.Properties(url)["AuthType"]) == "AWS_IAM"))
        {
            foreach (var request in UrlRequests(caller, UrlTarget(template, url)))
            {
                yield return new(stack, "caller", url, request.Action, PolicyEvaluator.Evaluate(request, identity, FunctionPolicy(template)));
            }
        }

        foreach (var route in template.OfType("AWS::ApiGatewayV2::Route").Where(route => template.Properties(route)["AuthorizationType"] is { } type && template.Text(type) == "AWS_IAM"))
        {
            var properties = template.Properties(route);
            var routeKey = template.Text(properties["RouteKey"]);
            if (routeKey.Split(' ', 2) is not [var method, var path] || method == "ANY" || path.Contains('{', StringComparison.Ordinal))
            {
                // A caller's request has one method and a concrete path; which ones a greedy route serves is not in the template.
                throw new NotSupportedException($"{route} has the route key {routeKey}; choose the requests its callers make here.");
            }

            var api = TemplateValues.ReferencedId(properties["ApiId"])!;
            foreach (var stage in template.OfType("AWS::ApiGatewayV2::Stage").Where(stage => TemplateValues.ReferencedId(template.Properties(stage)["ApiId"]) == api))
            {
                var arn = $"arn:{p}:execute-api:{r}:{a}:{template.Text(new JsonObject { ["Ref"] = api })}/{template.Text(template.Properties(stage)["StageName"])}/{method}{path}";
                var invoke = new AccessRequest(caller, "execute-api:Invoke", arn, new Dictionary<string, string[]> { ["aws:SecureTransport"] = ["true"] });
                yield return new(stack, "caller", route, invoke.Action, PolicyEvaluator.Evaluate(invoke, identity, []));
            }
        }
    }

    /// <summary>
    /// The same URL requests from principals the stack does not mean to let in: a role of the stack's account and a role
    /// of another account, neither with the caller policy. Only the function's resource policy could allow them (a
    /// principal of another account needs it as well as its own policy, and may grant itself anything), so every
    /// verdict here must be a deny: the function policy opens the URL to no one.
    /// </summary>
    public static IEnumerable<EdgeVerdict> UrlOutsiders(string stack, TemplateValues template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var p = template.Target.Partition;
        RequestPrincipal[] outsiders =
        [
            RequestPrincipal.ForRole($"arn:{p}:iam::{template.Target.Account}:role/other"),
            RequestPrincipal.ForRole($"arn:{p}:iam::210987654321:role/other"),
        ];
        foreach (var url in template.OfType("AWS::Lambda::Url").Where(url => template.Text(template.Properties(url)["AuthType"]) == "AWS_IAM"))
        {
            var function = UrlTarget(template, url);
            foreach (var request in outsiders.SelectMany(outsider => UrlRequests(outsider, function)))
            {
                yield return new(stack, request.Principal.Arn!, url, request.Action, PolicyEvaluator.Evaluate(request, [], FunctionPolicy(template)));
            }
        }
    }

    // A URL on an alias invokes the function qualified with the alias's name.
    private static string UrlTarget(TemplateValues template, string url)
    {
        var properties = template.Properties(url);
        var function = template.Text(properties["TargetFunctionArn"]);
        return properties["Qualifier"] is { } qualifier ? $"{function}:{template.Text(qualifier)}" : function;
    }

    private static IEnumerable<AccessRequest> UrlRequests(RequestPrincipal caller, string function)
    {
        yield return new(caller, "lambda:InvokeFunctionUrl", function, new Dictionary<string, string[]>
        {
            [FunctionUrlAuthTypeKey] = ["AWS_IAM"],
            ["aws:SecureTransport"] = ["true"],
        });
        yield return new(caller, "lambda:InvokeFunction", function, new Dictionary<string, string[]>
        {
            [InvokedViaFunctionUrlKey] = ["true"],
            ["aws:SecureTransport"] = ["true"],
        });
    }
}
