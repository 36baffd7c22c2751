using System.Text.Json.Nodes;
using ReferenceArchitectures.Cdk.LambdaBedrock;
using ReferenceArchitectures.Testing.StackTemplates;

namespace ReferenceArchitectures.InferenceApi.Tests;

/// <summary>A metric an alarm of the template watches, with its dimensions' values resolved to the local names.</summary>
public sealed record AlarmMetric(string Namespace, string MetricName, IReadOnlyDictionary<string, string> Dimensions);

/// <summary>
/// Pattern 1's synthesized template as the fixture of the local runs: which function the HTTP API's route and the
/// Function URL invoke, and each one's handler string, environment, memory and timeout. The function processes start
/// from here (<see cref="FunctionProcess"/>), so a handler or variable renamed in the stack alone fails a test as
/// it would fail in Lambda.
/// </summary>
public sealed class LambdaBedrockTemplate(StackTemplate template)
{
    /// <summary>
    /// The props of the local runs' stack: the defaults, with a cross-Region inference profile (what newer models are
    /// invoked through) and a prompt limit a test can exceed cheaply. Every variable the stack sets is then in the
    /// template except the guardrail's, which <see cref="InitializationTests"/> sets on top.
    /// </summary>
    public static LambdaBedrockStackProps Props { get; } = new() { ModelId = "us.amazon.nova-lite-v1:0", MaxPromptCharacters = 2_000 };

    private static readonly Lazy<LambdaBedrockTemplate> Synthesized = new(
        () => new LambdaBedrockTemplate(new StackTemplate(StackSynthesis.Template(app => new LambdaBedrockStack(app, LambdaBedrockStack.ConstructId, Props)))),
        LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The stack with <see cref="Props"/>, synthesized once per test run.</summary>
    public static LambdaBedrockTemplate Default => Synthesized.Value;

    public StackTemplate Template => template;

    /// <summary>A broken copy: <paramref name="change"/> applied to the resource that <paramref name="which"/> picks.</summary>
    public LambdaBedrockTemplate With(Func<KeyValuePair<string, JsonObject>, bool> which, Action<JsonObject> change) =>
        new(template.With(root => change(root["Resources"]!.AsObject()
            .Select(r => KeyValuePair.Create(r.Key, r.Value!.AsObject())).Single(which).Value)));

    /// <summary>The function the HTTP API's <c>POST /v1/chat</c> route integrates with.</summary>
    public TemplateFunction ApiFunction => template.RouteFunction("POST " + LambdaBedrockStack.ChatRoutePath);

    /// <summary>The function the Function URL invokes.</summary>
    public TemplateFunction StreamFunction =>
        template.FunctionInvokedBy(template.OnlyOfType("AWS::Lambda::Url").Value["Properties"]?["TargetFunctionArn"]);

    /// <summary>The metrics outside AWS's own namespaces that the template's alarms watch for <paramref name="function"/>.</summary>
    public IReadOnlyList<AlarmMetric> CustomMetricAlarms(TemplateFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return [.. template.OfType("AWS::CloudWatch::Alarm")
            .Select(alarm => alarm.Value["Properties"]!)
            .Where(alarm => (string?)alarm["Namespace"] is { } ns && !ns.StartsWith("AWS/", StringComparison.Ordinal))
            .Select(alarm => new AlarmMetric((string)alarm["Namespace"]!, (string)alarm["MetricName"]!,
                (alarm["Dimensions"]?.AsArray() ?? []).ToDictionary(d => (string)d!["Name"]!, d => template.Resolve(d!["Value"]), StringComparer.Ordinal)))
            .Where(metric => metric.Dimensions.Values.Contains(function.Name))];
    }
}
