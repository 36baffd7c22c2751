using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using ReferenceArchitectures.Cdk.FargateModel;
using ReferenceArchitectures.Cdk.GpuInference;
using ReferenceArchitectures.Cdk.LambdaBedrock;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>One synthesized stack: its assertions view, its JSON and where the file is.</summary>
public sealed record SynthesizedStack(string StackName, Template Template, string Json, string TemplatePath);

/// <summary>Creates apps the way Program.cs does: cdk.json's context, plus test overrides.</summary>
public static class CdkTestApp
{
    /// <summary>Context that skips asset bundling (no dotnet publish) for every stack.</summary>
    public static IReadOnlyDictionary<string, object> SkipBundling { get; } =
        new Dictionary<string, object> { ["aws:cdk:bundling-stacks"] = Array.Empty<object>() };

    public static App CreateApp(string outdir, IReadOnlyDictionary<string, object>? extraContext = null, bool bundle = false)
    {
        var context = ReferenceArchitectures.Cdk.Configuration.CdkJsonContext.Read();
        if (!bundle)
        {
            foreach (var (key, value) in SkipBundling)
            {
                context[key] = value;
            }
        }

        foreach (var (key, value) in extraContext ?? new Dictionary<string, object>())
        {
            context[key] = value;
        }

        return new App(new AppProps { Outdir = outdir, Context = context });
    }

    /// <summary>Builds and synthesizes the whole app exactly as Program.cs does.</summary>
    public static IReadOnlyDictionary<string, SynthesizedStack> SynthesizeApp(
        string outdir, IReadOnlyDictionary<string, object>? extraContext = null, Amazon.CDK.IEnvironment? environment = null)
    {
        var app = CreateApp(outdir, extraContext);
        var stacks = ReferenceArchitectureApp.Build(app, environment);
        app.Synth();
        return stacks.All.ToDictionary(stack => stack.StackName, stack => Read(outdir, stack.StackName));
    }

    /// <summary>Synthesizes only pattern 1 with the given props, for tests of one setting.</summary>
    public static SynthesizedStack SynthesizeLambdaBedrock(LambdaBedrockStackProps props, bool bundle = false, string? outdir = null)
    {
        outdir ??= Directory.CreateTempSubdirectory("cdk-test-").FullName;
        var app = CreateApp(outdir, bundle: bundle);
        var stack = new LambdaBedrockStack(app, ReferenceArchitectureApp.LambdaBedrockStackId, props);
        app.Synth();
        return Read(outdir, stack.StackName);
    }

    /// <summary>Synthesizes only pattern 2 with the given props, for tests of one setting.</summary>
    public static SynthesizedStack SynthesizeFargateModel(FargateModelStackProps props, string? outdir = null)
    {
        outdir ??= Directory.CreateTempSubdirectory("cdk-test-").FullName;
        var app = CreateApp(outdir);
        var stack = new FargateModelStack(app, ReferenceArchitectureApp.FargateModelStackId, props);
        app.Synth();
        return Read(outdir, stack.StackName);
    }

    /// <summary>Synthesizes only pattern 3 with the given props, for tests of one setting.</summary>
    public static SynthesizedStack SynthesizeGpuInference(GpuInferenceStackProps props, string? outdir = null)
    {
        outdir ??= Directory.CreateTempSubdirectory("cdk-test-").FullName;
        var app = CreateApp(outdir);
        var stack = new GpuInferenceStack(app, ReferenceArchitectureApp.GpuInferenceStackId, props);
        app.Synth();
        return Read(outdir, stack.StackName);
    }

    private static SynthesizedStack Read(string outdir, string stackName)
    {
        var path = Path.Combine(outdir, stackName + ".template.json");
        var json = File.ReadAllText(path);
        return new SynthesizedStack(stackName, Template.FromString(json), json, path);
    }
}

/// <summary>The app as Program.cs builds it, synthesized once per test class with bundling skipped.</summary>
public sealed class SynthesizedAppFixture : IDisposable
{
    private readonly DirectoryInfo outdir = Directory.CreateTempSubdirectory("cdk-app-");

    public SynthesizedAppFixture()
    {
        Stacks = CdkTestApp.SynthesizeApp(outdir.FullName);
    }

    public IReadOnlyDictionary<string, SynthesizedStack> Stacks { get; }

    public SynthesizedStack LambdaBedrock => Stacks[ReferenceArchitectureApp.LambdaBedrockStackId];

    public SynthesizedStack FargateModel => Stacks[ReferenceArchitectureApp.FargateModelStackId];

    public SynthesizedStack GpuInference => Stacks[ReferenceArchitectureApp.GpuInferenceStackId];

    public SynthesizedStack HybridPipeline => Stacks[ReferenceArchitectureApp.HybridPipelineStackId];

    public void Dispose() => outdir.Delete(recursive: true);
}
