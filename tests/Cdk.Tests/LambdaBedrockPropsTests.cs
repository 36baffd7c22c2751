using System.Text.Json.Nodes;
using Amazon.CDK;
using ReferenceArchitectures.Cdk.Constructs;
using ReferenceArchitectures.Cdk.LambdaBedrock;
using ReferenceArchitectures.Cdk.Tests.Iam;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>Pattern 1 with one setting changed at a time.</summary>
public sealed class LambdaBedrockPropsTests
{
    private const string Partition = "${AWS::Partition}";

    [Fact]
    public void Inference_profile_grants_the_profile_and_the_model_in_any_region()
    {
        var template = Synthesize(new LambdaBedrockStackProps { ModelId = "us.amazon.nova-lite-v1:0" });

        var (_, resources) = template.Grants(template.FunctionWithHandler("converse"), "bedrock:");

        Assert.Equal(
            new[]
            {
                $"arn:{Partition}:bedrock:${{AWS::Region}}:${{AWS::AccountId}}:inference-profile/us.amazon.nova-lite-v1:0",
                $"arn:{Partition}:bedrock:*::foundation-model/amazon.nova-lite-v1:0",
            }.Order(),
            resources.Order());
    }

    [Theory]
    [InlineData("apac.amazon.nova-lite-v1:0", "ap-southeast-7")]
    [InlineData("apac.amazon.nova-lite-v1:0", "ap-south-2")]
    [InlineData("eu.amazon.nova-lite-v1:0", "eu-south-2")]
    [InlineData("global.amazon.nova-lite-v1:0", "")]
    public void The_role_may_invoke_the_model_wherever_the_profile_routes(string profile, string destination)
    {
        // Evaluated with IAM's rules: Bedrock checks the caller's role against the foundation model in the Region it
        // routes to (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html); a Region the
        // policy lacks is AccessDenied whenever Bedrock picks it. These Regions were missing from the former hand-made lists.
        var json = CdkTestApp.SynthesizeLambdaBedrock(new LambdaBedrockStackProps { ModelId = profile }).Json;
        var values = new TemplateValues(System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject(), DeployTarget.Default);
        var policies = values.OfType("AWS::IAM::Policy").Select(p => values.Resolve(values.Properties(p)["PolicyDocument"])!).ToList();
        var role = "arn:aws:iam::123456789012:role/function";
        var foundationModel = $"arn:aws:bedrock:{destination}::foundation-model/amazon.nova-lite-v1:0";

        var verdict = PolicyEvaluator.Evaluate(
            new AccessRequest(RequestPrincipal.ForRole(role), "bedrock:InvokeModel", foundationModel, new Dictionary<string, string[]>()),
            policies, []);

        Assert.Equal(Verdict.Allowed, verdict);
    }

    [Fact]
    public void Inference_profile_regions_can_be_overridden()
    {
        var template = Synthesize(new LambdaBedrockStackProps { ModelId = "eu.amazon.nova-lite-v1:0", InferenceProfileRegions = ["eu-west-1"] });

        var (_, resources) = template.Grants(template.FunctionWithHandler("converse-stream"), "bedrock:");

        Assert.Equal(2, resources.Count);
        Assert.Contains($"arn:{Partition}:bedrock:eu-west-1::foundation-model/amazon.nova-lite-v1:0", resources);
    }

    [Fact]
    public void Guardrail_is_passed_to_the_function_and_only_it_may_be_applied()
    {
        var template = Synthesize(new LambdaBedrockStackProps { GuardrailId = "gr-abc123", GuardrailVersion = "2" });
        var functionId = template.FunctionWithHandler("converse");

        var (actions, resources) = template.Grants(functionId, "bedrock:");
        var variables = template.Resource(functionId)["Properties"]!["Environment"]!["Variables"]!;

        Assert.Equal(["bedrock:ApplyGuardrail", "bedrock:InvokeModel"], actions.Order());
        Assert.Contains($"arn:{Partition}:bedrock:${{AWS::Region}}:${{AWS::AccountId}}:guardrail/gr-abc123", resources);
        Assert.Equal(2, resources.Count);
        Assert.Equal("gr-abc123", (string?)variables["BEDROCK_GUARDRAIL_ID"]);
        Assert.Equal("2", (string?)variables["BEDROCK_GUARDRAIL_VERSION"]);
    }

    [Fact]
    public void Opting_out_of_authorization_leaves_the_route_open_and_says_why()
    {
        var template = Synthesize(new LambdaBedrockStackProps { ApiAuthorization = ApiAuthorization.None });

        var route = Assert.Single(template.OfType("AWS::ApiGatewayV2::Route").Values);

        Assert.Equal("NONE", (string?)route["Properties"]!["AuthorizationType"]);
        Assert.Equal("AwsSolutions-APIG4", (string?)route["Metadata"]!["cdk_nag"]!["rules_to_suppress"]![0]!["id"]);
        var callerActions = template.OfType("AWS::IAM::ManagedPolicy").Values.Single()["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray()
            .Select(statement => (string?)statement!["Action"]);
        Assert.Equal(["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"], callerActions);
    }

    [Fact]
    public void Provisioned_concurrency_puts_a_live_alias_behind_the_api_and_the_url()
    {
        var stack = CdkTestApp.SynthesizeLambdaBedrock(new LambdaBedrockStackProps { ProvisionedConcurrentExecutions = 2 });
        var template = new TemplateQuery(stack.Json);

        var aliases = template.OfType("AWS::Lambda::Alias");
        var url = Assert.Single(template.OfType("AWS::Lambda::Url").Values);

        Assert.Equal(2, aliases.Count);
        Assert.All(aliases.Values, alias =>
        {
            Assert.Equal("live", (string?)alias["Properties"]!["Name"]);
            Assert.Equal(2, (int)alias["Properties"]!["ProvisionedConcurrencyConfig"]!["ProvisionedConcurrentExecutions"]!);
        });
        Assert.Equal("live", (string?)url["Properties"]!["Qualifier"]);
        var integration = Assert.Single(template.OfType("AWS::ApiGatewayV2::Integration").Values);
        Assert.Contains(aliases.Keys, aliasId => TemplateQuery.Render(integration["Properties"]!["IntegrationUri"]) == "${" + aliasId + "}");
        // The caller policy follows the URL to the alias.
        var callers = ServiceEdges.Callers("stack", new TemplateValues(JsonNode.Parse(stack.Json)!.AsObject(), DeployTarget.Default)).ToList();
        Assert.Equal(3, callers.Count);
        Assert.All(callers, edge => Assert.True(edge.Verdict == Verdict.Allowed, edge.ToString()));
    }

    [Fact]
    public void Memory_architecture_and_retention_follow_the_props()
    {
        var template = Synthesize(new LambdaBedrockStackProps
        {
            MemorySizeMb = 1024,
            Architecture = ProcessorArchitecture.Arm64,
            LogRetention = Amazon.CDK.AWS.Logs.RetentionDays.ONE_WEEK,
        });

        Assert.All(template.OfType("AWS::Lambda::Function").Values, function =>
        {
            Assert.Equal(1024, (int)function["Properties"]!["MemorySize"]!);
            Assert.Equal("arm64", (string?)function["Properties"]!["Architectures"]![0]);
        });
        Assert.All(template.OfType("AWS::Logs::LogGroup").Values, logGroup => Assert.Equal(7, (int)logGroup["Properties"]!["RetentionInDays"]!));
    }

    [Theory]
    [InlineData(nameof(LambdaBedrockStackProps.MemorySizeMb))]
    [InlineData(nameof(LambdaBedrockStackProps.ApiTimeoutSeconds))]
    [InlineData(nameof(LambdaBedrockStackProps.GuardrailVersion))]
    [InlineData(nameof(LambdaBedrockStackProps.ModelId))]
    public void Invalid_props_are_rejected_naming_the_prop(string prop)
    {
        var props = prop switch
        {
            nameof(LambdaBedrockStackProps.MemorySizeMb) => new LambdaBedrockStackProps { MemorySizeMb = 64 },
            nameof(LambdaBedrockStackProps.ApiTimeoutSeconds) => new LambdaBedrockStackProps { ApiTimeoutSeconds = 31 },
            nameof(LambdaBedrockStackProps.GuardrailVersion) => new LambdaBedrockStackProps { GuardrailId = "gr-1" },
            _ => new LambdaBedrockStackProps { ModelId = "arn:aws:s3:::bucket/key" },
        };
        var app = new App(new AppProps { Context = new Dictionary<string, object>(CdkTestApp.SkipBundling) });

        var error = Assert.ThrowsAny<ArgumentException>(() => new LambdaBedrockStack(app, "Invalid", props));

        Assert.Equal(prop, error.ParamName);
        Assert.Contains(prop, error.Message, StringComparison.Ordinal);
    }

    private static TemplateQuery Synthesize(LambdaBedrockStackProps props) =>
        new(CdkTestApp.SynthesizeLambdaBedrock(props).Json);
}
