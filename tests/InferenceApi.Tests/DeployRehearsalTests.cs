using System.Text.Json.Nodes;
using ReferenceArchitectures.Testing.Iam;
using ReferenceArchitectures.Testing.LocalBedrock;
using ReferenceArchitectures.Testing.StackTemplates;
using Xunit.Abstractions;

namespace ReferenceArchitectures.InferenceApi.Tests;

/// <summary>
/// Least privilege both ways for pattern 1, evaluated with IAM's logic (<see cref="CallAudit"/>) against the synthesized
/// template: both functions run as processes signing with their own role's credentials, every Bedrock call they make
/// is allowed by the template, and every action the template grants their roles is used by a call or needed only by
/// the Lambda service (logs, traces).
/// </summary>
[Collection(StartedFunctions.Name)]
public sealed class DeployRehearsalTests(FunctionFixture functions, ITestOutputHelper output)
{
    private static readonly DeployTarget Target = new(StackTemplate.AccountId, StackTemplate.Region);

    [Fact]
    [Trait("Category", "DeployRehearsal")]
    public async Task Every_call_both_functions_make_is_allowed_and_every_grant_is_used()
    {
        (await functions.ChatAsync(HttpEventBuilder.Chat("hello"))).AssertStatus(200);
        (await functions.StreamAsync(HttpEventBuilder.Chat("hello"))).AssertStatus(200);
        var audit = Audit(LambdaBedrockTemplate.Default.Template.Json);
        var calls = Calls(audit.Template);
        var roles = new[] { functions.Converse.Function.Role, functions.ConverseStream.Function.Role };

        var verdicts = calls.Select(audit.Evaluate).ToList();
        var grants = roles.SelectMany(role => audit.Grants(role, calls, AwsOnlyGrants.LambdaService)).ToList();

        output.WriteLine($"LambdaBedrockStack: {verdicts.Count} calls recorded, {verdicts.Count(v => v.Verdict == Verdict.Allowed)} allowed; each kind once:");
        foreach (var verdict in verdicts.DistinctBy(v => (v.Verdict, v.Call.Role, v.Call.Action, v.Call.Resource)))
        {
            output.WriteLine($"  {verdict.Verdict,-17} {verdict.Call.Role} {verdict.Call.Action} {verdict.Call.Resource}");
        }

        output.WriteLine($"LambdaBedrockStack: {grants.Count} granted actions, {grants.Count(g => g.Used)} used, {grants.Count(g => !g.Used && g.Reason is not null)} needed only in AWS, {grants.Count(g => !g.Used && g.Reason is null)} never used:");
        foreach (var grant in grants)
        {
            output.WriteLine($"  {(grant.Used ? "used" : grant.Reason is null ? "NEVER USED" : "AWS only"),-10} {grant.Role} {grant.Action} {grant.Resource.ToJsonString()}{(grant.Reason is null ? "" : " -- " + grant.Reason)}");
        }

        Assert.Equal(roles.Order(), calls.Select(call => call.Role).Distinct().Order());
        Assert.All(verdicts, verdict => Assert.True(verdict.Verdict == Verdict.Allowed, $"{verdict.Call.Role} {verdict.Call.Action} {verdict.Call.Resource}: {verdict.Verdict}"));
        Assert.All(grants, grant => Assert.True(grant.Used || grant.Reason is not null, $"{grant.Role} {grant.Action} is never used"));
    }

    [Fact]
    public async Task The_stream_function_denied_its_streaming_action_fails_the_audit()
    {
        (await functions.StreamAsync(HttpEventBuilder.Chat("hello"))).AssertStatus(200);
        var role = functions.ConverseStream.Function.Role;
        var broken = LambdaBedrockTemplate.Default.Template.With(root =>
        {
            foreach (var statement in Statements(root, role))
            {
                if (PolicyEvaluator.Values(statement["Action"]).Contains("bedrock:InvokeModelWithResponseStream"))
                {
                    statement["Action"] = "bedrock:InvokeModel";
                }
            }
        });
        var audit = Audit(broken.Json);

        var denied = Calls(audit.Template).Where(call => call.Role == role).Select(audit.Evaluate).Where(v => v.Verdict != Verdict.Allowed).ToList();
        var unused = audit.Grants(role, Calls(audit.Template), AwsOnlyGrants.LambdaService).Where(g => !g.Used && g.Reason is null).ToList();

        Assert.NotEmpty(denied);
        Assert.All(denied, verdict => Assert.Equal("bedrock:InvokeModelWithResponseStream", verdict.Call.Action));
        Assert.Equal("bedrock:InvokeModel", Assert.Single(unused.Select(g => g.Action).Distinct()));
    }

    private static CallAudit Audit(string json) => new(new TemplateValues(JsonNode.Parse(json)!.AsObject(), Target));

    // Every Converse or ConverseStream request the local Bedrock answered, signed by one of the template's roles.
    private List<RecordedCall> Calls(TemplateValues template) =>
    [
        .. functions.Bedrock.Requests
            .Where(request => RoleKeys.RoleOf(request.AccessKeyId) is not null && request.IamAction is not null)
            .SelectMany(request => BedrockResources.ForModel(template.Target, request.ModelId!).Select(arn => new RecordedCall(
                RoleKeys.RoleOf(request.AccessKeyId)!, request.IamAction!, null, arn,
                new Dictionary<string, string[]> { ["aws:SecureTransport"] = ["true"] }, request.Operation!))),
    ];

    private static IEnumerable<JsonObject> Statements(JsonObject root, string role) =>
        root["Resources"]!.AsObject()
            .Where(r => (string?)r.Value!["Type"] == "AWS::IAM::Policy"
                && r.Value["Properties"]!["Roles"]!.AsArray().Any(named => TemplateValues.ReferencedId(named) == role))
            .SelectMany(r => r.Value!["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray().Select(s => s!.AsObject()));
}
