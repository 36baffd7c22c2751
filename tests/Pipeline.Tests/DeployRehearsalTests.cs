using System.Text.Json.Nodes;
using ReferenceArchitectures.Cdk.HybridPipeline;
using ReferenceArchitectures.Testing.Iam;
using ReferenceArchitectures.Testing.LocalAws;
using ReferenceArchitectures.Testing.LocalBedrock;
using Xunit.Abstractions;
using States = ReferenceArchitectures.Cdk.HybridPipeline.HybridPipelineStack.StateNames;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>
/// Every path of pattern 4 run once over the real entry points, each function, the worker and the state machine's SQS
/// integration signing with their own role's credentials: a small document (the Lambda path), a large one (the Fargate
/// worker), a duplicate delivery, retries after lost responses, an unsupported one (rejected), an unreadable one (recorded
/// failure and dead letter), its replay, and one whose failure cannot be recorded (the state machine's own dead letter). The calls the endpoints record are the fixture of
/// <see cref="DeployRehearsalTests"/>.
/// </summary>
public sealed class EveryPathRun(EmbeddingEngineFixture model) : IAsyncLifetime
{
    private const long TestLightMaxBytes = 48 * 1024;

    public LocalAwsServer Aws { get; private set; } = null!;

    public LocalBedrockServer Bedrock { get; private set; } = null!;

    public IReadOnlyList<ExecutionOutcome> Outcomes { get; private set; } = [];

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        Aws = await LocalAwsServer.StartAsync(timeout.Token);
        Bedrock = await LocalBedrockServer.StartAsync();
        Bedrock.DefaultBehaviour = LocalAnalysisModel.Behaviour;
        await using var host = await PipelineTaskHost.StartAsync(timeout.Token);
        using var tasks = new RealPipelineTasks(Aws, Bedrock, model.Engine);
        tasks.MapAll(host);
        var definition = PipelineDefinition.Resolve(PipelineDefinition.SynthesizeTemplate(new HybridPipelineStackProps { LightMaxBytes = TestLightMaxBytes }));
        using var stateMachine = new LocalStateMachine(definition, host.Url);
        var outcomes = new List<ExecutionOutcome>();
        async Task<ExecutionOutcome> Run(string key, byte[] content)
        {
            var versionId = Aws.S3.PutObject(StandInPipelineTasks.InputBucket, key, content);
            var outcome = await stateMachine.RunAsync(ObjectCreatedEvent.For(Aws.S3.GetObject(StandInPipelineTasks.InputBucket, key, versionId)!), null, timeout.Token);
            outcomes.Add(outcome);
            return outcome;
        }

        var small = await Run("incoming/small.txt", Testing.DocumentCorpus.Corpus.Utf8(Testing.DocumentCorpus.Prose.Text(6_000, 1)));
        // Delivered again: the claim is refused and the ledger read (a duplicate delivery of a result).
        outcomes.Add(await stateMachine.RunAsync(ObjectCreatedEvent.For(Aws.S3.GetObject(StandInPipelineTasks.InputBucket, "incoming/small.txt")!), null, timeout.Token));
        // Store and RecordFailure retried after a lost response: each finds its own earlier write by reading the ledger.
        var store = LoseResponses(host, States.Store, 1);
        await Run("incoming/retried.txt", Testing.DocumentCorpus.Corpus.Utf8(Testing.DocumentCorpus.Prose.Text(6_000, 3)));
        // Every response of Store lost: RecordFailure finds the result Store wrote and leaves it (its ledger read).
        LoseResponses(host, States.Store, int.MaxValue);
        await Run("incoming/stored.txt", Testing.DocumentCorpus.Corpus.Utf8(Testing.DocumentCorpus.Prose.Text(6_000, 4)));
        host.Map(States.Store, store);
        await Run("incoming/large.md", Testing.DocumentCorpus.Corpus.Markdown(Testing.DocumentCorpus.Prose.Paragraphs((int)TestLightMaxBytes + 8_000, 2)));
        await Run("incoming/picture.pdf", Testing.DocumentCorpus.Corpus.Png());
        var unreadable = Testing.DocumentCorpus.Corpus.PdfWithoutText();
        await Run("incoming/scan.pdf", unreadable);
        // The same version delivered again takes the FAILED claim over: a replay.
        var again = Aws.S3.GetObject(StandInPipelineTasks.InputBucket, "incoming/scan.pdf")!;
        outcomes.Add(await stateMachine.RunAsync(ObjectCreatedEvent.For(again), null, timeout.Token));
        // RecordFailure cannot run: the state machine sends the dead letter itself.
        host.Map(States.RecordFailure, (_, _) => throw new TaskFailedException("Lambda.ServiceException", "Injected: the function could not be invoked."));
        await Run("incoming/unrecorded.pdf", unreadable);
        Outcomes = outcomes;
    }

    // The state's task runs, then its first responses are lost (Lambda.ServiceException), so the state's Retry runs it
    // again. Returns the real task.
    private static PipelineTask LoseResponses(PipelineTaskHost host, string state, int times)
    {
        var real = host.TaskOf(state);
        var lost = 0;
        host.Map(state, async (input, cancellationToken) =>
        {
            var result = await real(input, cancellationToken);
            return Interlocked.Increment(ref lost) <= times
                ? throw new TaskFailedException("Lambda.ServiceException", "Injected: the function ran, its response was lost.")
                : result;
        });
        return real;
    }

    public async Task DisposeAsync()
    {
        await Bedrock.DisposeAsync();
        await Aws.DisposeAsync();
    }
}

/// <summary>
/// Least privilege both ways for pattern 4, evaluated with IAM's logic (<see cref="CallAudit"/>) against the synthesized
/// template: every call the local runs make is allowed by the template's policies, and every action the template grants
/// the roles whose code runs here is used by one of those calls or needed only in AWS, for the reason listed.
/// </summary>
[Trait("Category", "Slow")]
public sealed class DeployRehearsalTests(DeployRehearsalTests.RunFixture run, ITestOutputHelper output) : IClassFixture<DeployRehearsalTests.RunFixture>
{
    /// <summary>Why AWS needs an action that no code of ours calls, with the page that says so.</summary>
    public static IReadOnlyDictionary<string, string> AwsOnly { get; } = new Dictionary<string, string>(AwsOnlyGrants.LambdaService, StringComparer.Ordinal)
    {
        ["xray:GetSamplingRules"] = "Step Functions' tracing reads the sampling rules with the role (https://docs.aws.amazon.com/step-functions/latest/dg/xray-iam.html)",
        ["xray:GetSamplingTargets"] = "Step Functions' tracing reads the sampling targets with the role (https://docs.aws.amazon.com/step-functions/latest/dg/xray-iam.html)",
        ["lambda:InvokeFunction"] = "Step Functions invokes the Task states' functions: a service edge, evaluated by ServiceEdgeTests",
        ["ecs:RunTask"] = "Step Functions runs the worker task: a service edge, evaluated by ServiceEdgeTests",
        ["ecs:DescribeTasks"] = "Step Functions polls the worker task (.sync): a service edge, evaluated by ServiceEdgeTests",
        ["ecs:StopTask"] = "Step Functions stops the worker task when the state times out: a service edge, evaluated by ServiceEdgeTests",
        ["iam:PassRole"] = "Step Functions passes the worker's roles to ECS: a service edge, evaluated by ServiceEdgeTests",
        ["events:PutTargets"] = "Step Functions' managed rule for .sync tasks: a service edge, evaluated by ServiceEdgeTests",
        ["events:PutRule"] = "Step Functions' managed rule for .sync tasks: a service edge, evaluated by ServiceEdgeTests",
        ["events:DescribeRule"] = "Step Functions' managed rule for .sync tasks: a service edge, evaluated by ServiceEdgeTests",
        ["logs:CreateLogDelivery"] = "Step Functions sets up log delivery with the role (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html)",
        ["logs:GetLogDelivery"] = "Step Functions sets up log delivery with the role (same page)",
        ["logs:UpdateLogDelivery"] = "Step Functions sets up log delivery with the role (same page)",
        ["logs:DeleteLogDelivery"] = "Step Functions sets up log delivery with the role (same page)",
        ["logs:ListLogDeliveries"] = "Step Functions sets up log delivery with the role (same page)",
        ["logs:PutResourcePolicy"] = "Step Functions sets up log delivery with the role (same page)",
        ["logs:DescribeResourcePolicies"] = "Step Functions sets up log delivery with the role (same page)",
        ["logs:DescribeLogGroups"] = "Step Functions sets up log delivery with the role (same page)",
    };

    /// <summary>The roles whose code the local runs execute: the four functions', the worker task's and the state machine's.</summary>
    public static IReadOnlyList<string> AuditedRoles(PipelineTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return [.. RealPipelineTasks.LambdaStates.Select(state => template.FunctionOfState(state).Role), template.WorkerTaskRole, template.StateMachineRole];
    }

    [Fact]
    public void Every_path_ran_to_its_end()
    {
        Assert.Equal(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "FAILED", "FAILED", "FAILED"], run.Run.Outcomes.Select(outcome => outcome.Status));
        Assert.Contains("AlreadyProcessed", run.Run.Outcomes[1].States);
        Assert.Equal(1, run.Run.Outcomes[2].RetriesOf(States.Store));
        Assert.Contains(States.ResultRecordedBeforeTheError, run.Run.Outcomes[3].States);
        Assert.Contains(States.AnalyzeLargeDocument, run.Run.Outcomes[4].States);
        Assert.Contains(States.SendToDeadLetterQueue, run.Run.Outcomes[^1].States);
    }

    [Fact]
    [Trait("Category", "DeployRehearsal")]
    public void Every_call_the_code_makes_is_allowed_by_the_template()
    {
        var audit = new CallAudit(Template(PipelineDefinition.TemplateJson));
        var verdicts = Calls(audit.Template).Select(audit.Evaluate).ToList();
        output.WriteLine($"HybridPipelineStack: {verdicts.Count} calls recorded, {verdicts.Count(v => v.Verdict == Verdict.Allowed)} allowed; each kind once:");
        foreach (var verdict in verdicts.DistinctBy(RecordedCalls.Describe))
        {
            output.WriteLine(RecordedCalls.Describe(verdict));
        }

        Assert.NotEmpty(verdicts);
        Assert.Equal(AuditedRoles(PipelineTemplate.Default).Order(), verdicts.Select(v => v.Call.Role).Distinct().Order());
        Assert.All(verdicts, verdict => Assert.True(verdict.Verdict == Verdict.Allowed, RecordedCalls.Describe(verdict)));
    }

    [Fact]
    [Trait("Category", "DeployRehearsal")]
    public void Every_action_granted_to_those_roles_is_used_or_needed_only_in_AWS()
    {
        var audit = new CallAudit(Template(PipelineDefinition.TemplateJson));
        var calls = Calls(audit.Template);
        var grants = AuditedRoles(PipelineTemplate.Default).SelectMany(role => audit.Grants(role, calls, AwsOnly)).ToList();
        output.WriteLine($"HybridPipelineStack: {grants.Count} granted actions, {grants.Count(g => g.Used)} used, {grants.Count(g => !g.Used && g.Reason is not null)} needed only in AWS, {grants.Count(g => !g.Used && g.Reason is null)} never used:");
        foreach (var grant in grants)
        {
            output.WriteLine(RecordedCalls.Describe(grant));
        }

        Assert.All(grants, grant => Assert.True(grant.Used || grant.Reason is not null, RecordedCalls.Describe(grant)));
    }

    [Fact]
    public void A_grant_removed_from_the_template_denies_the_call_that_needs_it()
    {
        var broken = Broken(PipelineTemplate.Default.FunctionOfState(States.Store).Role, statement => Remove(statement, "dynamodb:UpdateItem"));
        var audit = new CallAudit(broken);

        var denied = Calls(broken).Select(audit.Evaluate).Where(verdict => verdict.Verdict != Verdict.Allowed).ToList();

        Assert.NotEmpty(denied);
        Assert.All(denied, verdict => Assert.Equal(("dynamodb:UpdateItem", Verdict.ImplicitlyDenied), (verdict.Call.Action, verdict.Verdict)));
    }

    [Fact]
    public void A_grant_no_call_uses_is_reported()
    {
        var role = PipelineTemplate.Default.FunctionOfState(States.Analyze).Role;
        var broken = Broken(role, statement =>
        {
            if (PolicyEvaluator.Values(statement["Action"]).Contains("s3:PutObject"))
            {
                statement["Action"] = new JsonArray("s3:PutObject", "s3:DeleteObject");
            }
        });

        var unused = new CallAudit(broken).Grants(role, Calls(broken), AwsOnly).Where(grant => !grant.Used && grant.Reason is null).ToList();

        Assert.Equal("s3:DeleteObject", Assert.Single(unused).Action);
    }

    private List<RecordedCall> Calls(TemplateValues template) => [.. RecordedCalls.From(template, run.Run.Aws.Requests, run.Run.Bedrock.Requests)];

    private static TemplateValues Template(string json) => new(JsonNode.Parse(json)!.AsObject(), DeployTarget.Default);

    // A copy of the template in which every statement of the role's attached policies is changed.
    private static TemplateValues Broken(string role, Action<JsonObject> change)
    {
        var template = JsonNode.Parse(PipelineDefinition.TemplateJson)!.AsObject();
        foreach (var (_, resource) in template["Resources"]!.AsObject())
        {
            if ((string?)resource!["Type"] == "AWS::IAM::Policy"
                && resource["Properties"]!["Roles"]!.AsArray().Any(named => TemplateValues.ReferencedId(named) == role))
            {
                foreach (var statement in resource["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())
                {
                    change(statement!.AsObject());
                }
            }
        }

        return new TemplateValues(template, DeployTarget.Default);
    }

    private static void Remove(JsonObject statement, string action)
    {
        var kept = PolicyEvaluator.Values(statement["Action"]).Where(a => a != action).ToList();
        statement["Action"] = kept.Count == 0 ? "none:None" : new JsonArray([.. kept.Select(a => (JsonNode)JsonValue.Create(a)!)]);
    }

    /// <summary>The run, once for the class: it takes about as long as the heavy path.</summary>
    public sealed class RunFixture : IAsyncLifetime
    {
        private readonly EmbeddingEngineFixture _model = new();

        public EveryPathRun Run { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await _model.InitializeAsync();
            Run = new EveryPathRun(_model);
            await Run.InitializeAsync();
        }

        public async Task DisposeAsync()
        {
            await Run.DisposeAsync();
            await _model.DisposeAsync();
        }
    }
}
