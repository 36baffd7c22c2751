using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Lambda;
using ReferenceArchitectures.Cdk;
using ReferenceArchitectures.Cdk.HybridPipeline;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>
/// The state machine of <see cref="HybridPipelineStack"/> as <c>cdk synth</c> writes it, with its CloudFormation
/// references replaced by ARNs of a made-up account, so that local tools can read and run it.
/// </summary>
public static class PipelineDefinition
{
    public const string Partition = "aws";
    public const string Region = "us-east-1";
    public const string AccountId = "123456789012";

    private static readonly Lazy<string> Synthesized = new(() => SynthesizeTemplate(new HybridPipelineStackProps()),
        LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly Lazy<string> Resolved = new(() => Resolve(Synthesized.Value), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The ARN of the template's one state machine in the local runs (its logical id as the name).</summary>
    public static string StateMachineArn =>
        $"arn:{Partition}:states:{Region}:{AccountId}:stateMachine:" + JsonNode.Parse(TemplateJson)!["Resources"]!.AsObject()
            .Single(entry => (string?)entry.Value!["Type"] == "AWS::StepFunctions::StateMachine").Key;

    /// <summary>The default stack's template, synthesized once per test run.</summary>
    public static string TemplateJson => Synthesized.Value;

    /// <summary>The default stack's definition, resolved.</summary>
    public static string Json => Resolved.Value;

    /// <summary>Synthesizes the stack with <paramref name="props"/> (bundling skipped) and returns its template JSON.</summary>
    public static string SynthesizeTemplate(HybridPipelineStackProps props)
    {
        // The CDK's bridge to its Node.js process does not take two syntheses at once; test classes run in parallel.
        lock (SynthesisLock)
        {
            return Synthesize(props);
        }
    }

    private static readonly object SynthesisLock = new();

    private static string Synthesize(HybridPipelineStackProps props)
    {
        var outdir = Directory.CreateTempSubdirectory("pipeline-synth-");
        try
        {
            var context = ReferenceArchitectures.Cdk.Configuration.CdkJsonContext.Read();
            context["aws:cdk:bundling-stacks"] = Array.Empty<object>();
            var app = new App(new AppProps { Outdir = outdir.FullName, Context = context });
            var stack = new HybridPipelineStack(app, "HybridPipelineStack", props);
            app.Synth();
            return File.ReadAllText(Path.Combine(outdir.FullName, stack.StackName + ".template.json"));
        }
        finally
        {
            outdir.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Takes the single state machine's <c>DefinitionString</c> out of <paramref name="templateJson"/> and resolves its
    /// <c>Fn::Join</c>, <c>Ref</c> and <c>Fn::GetAtt</c> to placeholder values of the right shape for each resource type.
    /// </summary>
    /// <exception cref="InvalidOperationException">The template has no single state machine, or uses an intrinsic this cannot resolve.</exception>
    public static string Resolve(string templateJson)
    {
        var resources = JsonNode.Parse(templateJson)!["Resources"]!.AsObject();
        var machines = resources.Where(entry => (string?)entry.Value!["Type"] == "AWS::StepFunctions::StateMachine").ToList();
        if (machines.Count != 1)
        {
            throw new InvalidOperationException($"Expected one AWS::StepFunctions::StateMachine in the template, found {machines.Count}.");
        }

        var definition = machines[0].Value!["Properties"]!["DefinitionString"];
        var text = ResolveNode(definition, resources);
        // Round-trip to prove it is JSON and to indent it for readable failures.
        return JsonNode.Parse(text)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    internal static string ResolveNode(JsonNode? node, JsonObject resources) => node switch
    {
        JsonValue value => value.ToString(),
        JsonObject join when join["Fn::Join"] is JsonArray parts =>
            string.Join((string)parts[0]!, parts[1]!.AsArray().Select(part => ResolveNode(part, resources))),
        JsonObject reference when reference["Ref"] is { } name => ResolveRef((string)name!, resources),
        JsonObject attribute when attribute["Fn::GetAtt"] is JsonArray pair => ResolveGetAtt((string)pair[0]!, (string)pair[1]!, resources),
        _ => throw new InvalidOperationException($"The definition uses an intrinsic function this resolver does not know: {node?.ToJsonString()}"),
    };

    /// <summary>What <c>Ref</c> of a template resource or pseudo parameter resolves to in the local runs.</summary>
    public static string ResolveRef(string name, JsonObject resources) => name switch
    {
        "AWS::Partition" => Partition,
        "AWS::Region" => Region,
        "AWS::AccountId" => AccountId,
        "AWS::URLSuffix" => "amazonaws.com",
        _ => TypeOf(name, resources) switch
        {
            "AWS::SQS::Queue" => $"https://sqs.{Region}.amazonaws.com/{AccountId}/{name}",
            "AWS::StepFunctions::StateMachine" => $"arn:{Partition}:states:{Region}:{AccountId}:stateMachine:{name}",
            "AWS::ECS::TaskDefinition" => $"arn:{Partition}:ecs:{Region}:{AccountId}:task-definition/{name}:1",
            "AWS::EC2::Subnet" => "subnet-" + ShortHex(name),
            "AWS::EC2::SecurityGroup" => "sg-" + ShortHex(name),
            // Bucket names are lower case; the local S3 holds each of the template's buckets under this name.
            "AWS::S3::Bucket" => name.ToLowerInvariant(),
            _ => name,
        },
    };

    private static string ResolveGetAtt(string name, string attribute, JsonObject resources) => (TypeOf(name, resources), attribute) switch
    {
        ("AWS::Lambda::Function", "Arn") => $"arn:{Partition}:lambda:{Region}:{AccountId}:function:{name}",
        ("AWS::ECS::Cluster", "Arn") => $"arn:{Partition}:ecs:{Region}:{AccountId}:cluster/{name}",
        ("AWS::SQS::Queue", "Arn") => $"arn:{Partition}:sqs:{Region}:{AccountId}:{name}",
        ("AWS::SQS::Queue", "QueueUrl") => $"https://sqs.{Region}.amazonaws.com/{AccountId}/{name}",
        ("AWS::EC2::SecurityGroup", "GroupId") => "sg-" + ShortHex(name),
        var (type, _) => throw new InvalidOperationException($"The definition reads {attribute} of {name} ({type}), which this resolver does not know."),
    };

    private static string TypeOf(string name, JsonObject resources) =>
        (string?)resources[name]?["Type"] ?? throw new InvalidOperationException($"The definition refers to '{name}', which is not a resource of the template.");

    private static string ShortHex(string name) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..17];
}
