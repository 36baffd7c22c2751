using System.Text.Json.Nodes;

namespace ReferenceArchitectures.Cdk.Tests.Iam;

/// <summary>The evaluator against the rules of IAM's policy evaluation logic, one documented rule per test.</summary>
public sealed class PolicyEvaluatorTests
{
    private const string Account = "123456789012";
    private const string Role = "arn:aws:iam::123456789012:role/worker";
    private const string Bucket = "arn:aws:s3:::documents";

    private static AccessRequest Request(string action = "s3:GetObject", string resource = Bucket + "/a.pdf", RequestPrincipal? principal = null, Dictionary<string, string[]>? context = null) =>
        new(principal ?? RequestPrincipal.ForRole(Role), action, resource, context ?? []);

    private static JsonNode Policy(string statementJson) => JsonNode.Parse($$"""{"Version":"2012-10-17","Statement":[{{statementJson}}]}""")!;

    [Fact]
    public void Nothing_allowed_is_an_implicit_deny() =>
        Assert.Equal(Verdict.ImplicitlyDenied, PolicyEvaluator.Evaluate(Request(), [], []));

    [Fact]
    public void An_identity_policy_allows_with_wildcards_in_action_and_resource()
    {
        var policy = Policy("""{"Effect":"Allow","Action":"S3:Get*","Resource":"arn:aws:s3:::documents/*"}""");

        Assert.Equal(Verdict.Allowed, PolicyEvaluator.Evaluate(Request(), [policy], []));
        Assert.Equal(Verdict.ImplicitlyDenied, PolicyEvaluator.Evaluate(Request(resource: "arn:aws:s3:::other/a.pdf"), [policy], []));
        Assert.Equal(Verdict.ImplicitlyDenied, PolicyEvaluator.Evaluate(Request(action: "s3:PutObject"), [policy], []));
    }

    [Fact]
    public void An_explicit_deny_in_a_resource_policy_beats_an_identity_allow()
    {
        var allow = Policy("""{"Effect":"Allow","Action":"s3:*","Resource":"*"}""");
        var deny = Policy("""{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::documents/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}""");

        Assert.Equal(Verdict.ExplicitlyDenied, PolicyEvaluator.Evaluate(Request(context: new() { ["aws:SecureTransport"] = ["false"] }), [allow], [deny]));
        Assert.Equal(Verdict.Allowed, PolicyEvaluator.Evaluate(Request(context: new() { ["aws:SecureTransport"] = ["true"] }), [allow], [deny]));
    }

    [Fact]
    public void NotAction_and_NotResource_match_everything_they_do_not_list()
    {
        var policy = Policy("""{"Effect":"Allow","NotAction":"s3:Delete*","NotResource":"arn:aws:s3:::secrets/*"}""");

        Assert.Equal(Verdict.Allowed, PolicyEvaluator.Evaluate(Request(), [policy], []));
        Assert.Equal(Verdict.ImplicitlyDenied, PolicyEvaluator.Evaluate(Request(action: "s3:DeleteObject"), [policy], []));
        Assert.Equal(Verdict.ImplicitlyDenied, PolicyEvaluator.Evaluate(Request(resource: "arn:aws:s3:::secrets/key"), [policy], []));
    }

    [Fact]
    public void A_service_principal_has_no_identity_policy_and_needs_the_resource_policy()
    {
        var cloudWatch = RequestPrincipal.ForService("cloudwatch.amazonaws.com");
        var identity = Policy("""{"Effect":"Allow","Action":"sns:Publish","Resource":"*"}""");
        var topicPolicy = Policy("""{"Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":"sns:Publish","Resource":"*"}""");
        var accountOnly = Policy("""{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sns:Publish","Resource":"*"}""");

        Assert.Equal(Verdict.ImplicitlyDenied, PolicyEvaluator.Evaluate(Request("sns:Publish", "arn:aws:sns:us-east-1:123456789012:t", cloudWatch), [identity], []));
        Assert.Equal(Verdict.ImplicitlyDenied, PolicyEvaluator.Evaluate(Request("sns:Publish", "arn:aws:sns:us-east-1:123456789012:t", cloudWatch), [], [accountOnly]));
        Assert.Equal(Verdict.Allowed, PolicyEvaluator.Evaluate(Request("sns:Publish", "arn:aws:sns:us-east-1:123456789012:t", cloudWatch), [], [topicPolicy]));
    }

    [Fact]
    public void A_key_policy_must_allow_the_account_before_identity_policies_count()
    {
        var identity = Policy("""{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}""");
        var enablesIam = Policy("""{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}""");
        var otherPrincipal = Policy("""{"Effect":"Allow","Principal":{"Service":"logs.amazonaws.com"},"Action":"kms:*","Resource":"*"}""");
        var key = "arn:aws:kms:us-east-1:123456789012:key/1";

        Assert.Equal(Verdict.Allowed, PolicyEvaluator.Evaluate(Request("kms:Decrypt", key), [identity], [enablesIam], ResourcePolicyKind.KmsKey, Account));
        Assert.Equal(Verdict.ImplicitlyDenied, PolicyEvaluator.Evaluate(Request("kms:Decrypt", key), [identity], [otherPrincipal], ResourcePolicyKind.KmsKey, Account));
    }

    [Fact]
    public void Conditions_and_keys_must_all_hold_and_any_value_of_a_key_may_match()
    {
        var policy = Policy("""
            {"Effect":"Allow","Action":"sns:Publish","Resource":"*","Principal":{"Service":"cloudwatch.amazonaws.com"},
             "Condition":{"ArnLike":{"aws:SourceArn":["arn:aws:cloudwatch:*:123456789012:alarm:*","arn:aws:events:*:*:rule/x"]},
                          "StringEquals":{"AWS:SourceAccount":"123456789012"}}}
            """);
        var cloudWatch = RequestPrincipal.ForService("cloudwatch.amazonaws.com");
        AccessRequest Publish(string sourceArn, string account) => Request("sns:Publish", "arn:aws:sns:us-east-1:123456789012:t", cloudWatch,
            new() { ["aws:sourcearn"] = [sourceArn], ["aws:SourceAccount"] = [account] });

        Assert.Equal(Verdict.Allowed, PolicyEvaluator.Evaluate(Publish("arn:aws:cloudwatch:us-east-1:123456789012:alarm:Failed", Account), [], [policy]));
        Assert.Equal(Verdict.ImplicitlyDenied, PolicyEvaluator.Evaluate(Publish("arn:aws:cloudwatch:us-east-1:999999999999:alarm:Failed", Account), [], [policy]));
        Assert.Equal(Verdict.ImplicitlyDenied, PolicyEvaluator.Evaluate(Publish("arn:aws:cloudwatch:us-east-1:123456789012:alarm:Failed", "999999999999"), [], [policy]));
    }

    [Theory]
    [InlineData("StringEquals", null, false)]
    [InlineData("StringEqualsIfExists", null, true)]
    [InlineData("StringNotEquals", null, true)]
    [InlineData("StringNotEquals", "b", true)]
    [InlineData("StringNotEquals", "a", false)]
    [InlineData("ForAnyValue:StringEquals", null, false)]
    [InlineData("ForAllValues:StringEquals", null, true)]
    [InlineData("ForAllValues:StringEquals", "b", false)]
    [InlineData("StringLike", "a", true)]
    public void A_missing_key_fails_positive_operators_and_passes_negated_ones_and_IfExists(string op, string? value, bool holds)
    {
        var block = JsonNode.Parse($$$"""{"{{{op}}}":{"aws:PrincipalTag/team":"a"}}""")!.AsObject();
        var context = value is null ? new Dictionary<string, string[]>() : new() { ["aws:PrincipalTag/team"] = [value] };

        Assert.Equal(holds, Conditions.Hold(block, Request(context: context)));
    }

    [Theory]
    [InlineData("true", null, true)]
    [InlineData("true", "x", false)]
    [InlineData("false", "x", true)]
    public void Null_tests_whether_the_key_is_absent(string expected, string? value, bool holds)
    {
        var block = JsonNode.Parse($$$"""{"Null":{"aws:SourceVpce":"{{{expected}}}"}}""")!.AsObject();
        var context = value is null ? new Dictionary<string, string[]>() : new() { ["aws:SourceVpce"] = [value] };

        Assert.Equal(holds, Conditions.Hold(block, Request(context: context)));
    }

    [Fact]
    public void An_operator_that_is_not_modelled_is_an_error_not_a_guess()
    {
        var block = JsonNode.Parse("""{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}""")!.AsObject();

        Assert.Throws<NotSupportedException>(() => Conditions.Hold(block, Request(context: new() { ["aws:CurrentTime"] = ["2026-01-01T00:00:00Z"] })));
    }
}
