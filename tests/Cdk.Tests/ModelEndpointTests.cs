using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ReferenceArchitectures.Cdk.Constructs;
//#if (FargateModel)
using ReferenceArchitectures.Cdk.FargateModel;
//#endif
//#if (GpuInference)
using ReferenceArchitectures.Cdk.GpuInference;
//#endif

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>Who reaches the model servers of patterns 2 and 3, and which of their paths.</summary>
[Collection(SynthesizedApp.Name)]
public sealed class ModelEndpointTests(SynthesizedAppFixture app)
{
    public static TheoryData<string> Stacks()
    {
        var stacks = new TheoryData<string>();
        //#if (FargateModel)
        stacks.Add(FargateModelStack.ConstructId);
        //#endif
        //#if (GpuInference)
        stacks.Add(GpuInferenceStack.ConstructId);
        //#endif
        return stacks;
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public void Only_the_api_and_readiness_reach_the_tasks(string stack)
    {
        var template = new ContainerTemplateQuery(app.Stacks[stack]);

        Assert.Equal("forward", Route(template, "/v1/embeddings"));
        Assert.Equal("forward", Route(template, "/v1/similarity"));
        Assert.Equal("forward", Route(template, "/health/ready"));
        Assert.Equal("fixed-response 404", Route(template, "/metrics"));
        Assert.Equal("fixed-response 404", Route(template, "/health/live"));
        Assert.Equal("fixed-response 404", Route(template, "/"));
        Assert.Equal("fixed-response 404", Route(template, "/V1/embeddings"));
    }

    [Theory]
    [MemberData(nameof(Stacks))]
    public void By_default_callers_sign_requests_to_an_http_api_in_front_of_an_internal_load_balancer(string stack)
    {
        var template = new ContainerTemplateQuery(app.Stacks[stack]);
        var (_, loadBalancer) = template.Only("AWS::ElasticLoadBalancingV2::LoadBalancer");
        var routes = template.PropertiesOf("AWS::ApiGatewayV2::Route");
        var (_, integration) = template.Only("AWS::ApiGatewayV2::Integration");
        var listenerId = template.Only("AWS::ElasticLoadBalancingV2::Listener").Id;

        Assert.Equal("internal", (string?)loadBalancer["Scheme"]);
        Assert.NotEmpty(routes);
        Assert.All(routes, route => Assert.Equal("AWS_IAM", (string?)route["AuthorizationType"]));
        Assert.Equal(["ANY /v1/{proxy+}"], routes.Select(route => (string)route["RouteKey"]!));
        Assert.Equal("VPC_LINK", (string?)integration["ConnectionType"]);
        Assert.Equal(listenerId, (string?)integration["IntegrationUri"]!["Ref"]);
        Assert.Empty(OpenIngress(template));
    }

    //#if (FargateModel)
    [Fact]
    public void An_internal_endpoint_accepts_only_the_vpc()
    {
        var template = new ContainerTemplateQuery(CdkTestApp.SynthesizeFargateModel(new FargateModelStackProps { Exposure = EndpointExposure.Internal }));
        var (_, loadBalancer) = template.Only("AWS::ElasticLoadBalancingV2::LoadBalancer");

        Assert.Equal("internal", (string?)loadBalancer["Scheme"]);
        Assert.Empty(template.Template.OfType("AWS::ApiGatewayV2::Api"));
        Assert.Empty(OpenIngress(template));
    }

    [Fact]
    public void A_public_endpoint_needs_https_unless_plain_http_is_allowed_explicitly()
    {
        var refused = Assert.Throws<ArgumentException>(() => new FargateModelStackProps { Exposure = EndpointExposure.Public }.Validate());
        new FargateModelStackProps { Exposure = EndpointExposure.Public, AllowPlainHttp = true }.Validate();

        Assert.Equal(nameof(FargateModelStackProps.CertificateArn), refused.ParamName);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task The_internal_and_public_endpoints_pass_cdk_nag_too()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var internalEndpoint = CdkTestApp.SynthesizeFargateModel(new FargateModelStackProps { Exposure = EndpointExposure.Internal, RateLimitPerFiveMinutes = 500 });
        var publicEndpoint = CdkTestApp.SynthesizeFargateModel(new FargateModelStackProps
        {
            Exposure = EndpointExposure.Public,
            CertificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/abc",
        });

        var result = await NagCheck.RunAsync([internalEndpoint.TemplatePath, publicEndpoint.TemplatePath], timeout.Token);

        Assert.True(result.ExitCode == 0, result.Output);
    }
    //#endif

    //#if (GpuInference)
    [Fact]
    public void A_rate_limit_puts_a_web_acl_on_the_load_balancer()
    {
        var template = new ContainerTemplateQuery(CdkTestApp.SynthesizeGpuInference(new GpuInferenceStackProps
        {
            Exposure = EndpointExposure.Public,
            CertificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/abc",
            RateLimitPerFiveMinutes = 1000,
        }));
        var (aclId, acl) = template.Only("AWS::WAFv2::WebACL");
        var (_, association) = template.Only("AWS::WAFv2::WebACLAssociation");
        var loadBalancerId = template.Only("AWS::ElasticLoadBalancingV2::LoadBalancer").Id;

        var rule = Assert.Single(acl["Rules"]!.AsArray())!;
        Assert.Equal("REGIONAL", (string?)acl["Scope"]);
        Assert.Equal(1000, (int)rule["Statement"]!["RateBasedStatement"]!["Limit"]!);
        Assert.Equal("IP", (string?)rule["Statement"]!["RateBasedStatement"]!["AggregateKeyType"]);
        Assert.NotNull(rule["Action"]!["Block"]);
        Assert.Equal(loadBalancerId, (string?)association["ResourceArn"]!["Ref"]);
        Assert.Equal(aclId, (string?)association["WebACLArn"]!["Fn::GetAtt"]![0]);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(2_000_000_001)]
    public void A_rate_limit_is_within_wafs_bounds(int limit)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new GpuInferenceStackProps { RateLimitPerFiveMinutes = limit }.Validate());

        Assert.Equal(nameof(GpuInferenceStackProps.RateLimitPerFiveMinutes), error.ParamName);
    }
    //#endif

    /// <summary>
    /// What the load balancer does with a request for <paramref name="path"/>: the action of the rule with the lowest
    /// priority number whose conditions all match, else the listener's default action. A path pattern is case-sensitive;
    /// <c>*</c> matches any characters, <c>?</c> exactly one
    /// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html#path-conditions).
    /// </summary>
    private static string Route(ContainerTemplateQuery template, string path)
    {
        var (listenerId, listener) = template.Only("AWS::ElasticLoadBalancingV2::Listener");
        var rules = template.PropertiesOf("AWS::ElasticLoadBalancingV2::ListenerRule")
            .Where(rule => (string?)rule["ListenerArn"]!["Ref"] == listenerId)
            .OrderBy(rule => (int)rule["Priority"]!);
        var matching = rules.FirstOrDefault(rule => rule["Conditions"]!.AsArray().All(condition => PathMatches(condition!, path)));
        var action = (matching?["Actions"] ?? listener["DefaultActions"])!.AsArray()[0]!;
        var type = (string)action["Type"]!;
        return type == "fixed-response" ? $"{type} {action["FixedResponseConfig"]!["StatusCode"]}" : type;
    }

    private static bool PathMatches(JsonNode condition, string path)
    {
        Assert.Equal("path-pattern", (string?)condition["Field"]);
        var patterns = TemplateQuery.Strings(condition["PathPatternConfig"]?["Values"] ?? condition["Values"]);
        return patterns.Any(pattern => Regex.IsMatch(path,
            "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$"));
    }

    /// <summary>Ingress rules, inline or separate, that accept any IPv4 or IPv6 address.</summary>
    private static List<JsonNode> OpenIngress(ContainerTemplateQuery template) =>
        template.PropertiesOf("AWS::EC2::SecurityGroup")
            .SelectMany(group => group["SecurityGroupIngress"]?.AsArray() ?? [])
            .Concat(template.PropertiesOf("AWS::EC2::SecurityGroupIngress"))
            .Where(rule => rule!["CidrIp"] is JsonValue { } ipv4 && (string?)ipv4 == "0.0.0.0/0" || rule["CidrIpv6"] is JsonValue { } ipv6 && (string?)ipv6 == "::/0")
            .ToList()!;
}
