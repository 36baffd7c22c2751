using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.Assertions;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>One synthesized stack: its assertions view, its JSON and where the file is.</summary>
public sealed record SynthesizedStack(string StackName, Template Template, string Json, string TemplatePath);

/// <summary>Creates apps the way Program.cs does: cdk.json's context, plus test overrides.</summary>
public static partial class CdkTestApp
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
        // Keyed by construct id: the CloudFormation stack name starts with the app's name, and the template file is named by id.
        return stacks.ToDictionary(stack => stack.Node.Id, stack => Read(outdir, stack.Node.Id));
    }

    internal static SynthesizedStack Read(string outdir, string stackName)
    {
        var path = Path.Combine(outdir, stackName + ".template.json");
        var json = File.ReadAllText(path);
        return new SynthesizedStack(stackName, Template.FromString(json), json, path);
    }
}

/// <summary>
/// The app as Program.cs builds it, synthesized once for the whole test run with bundling skipped: every test class
/// that reads the default templates shares it through <see cref="SynthesizedApp"/>.
/// </summary>
public sealed partial class SynthesizedAppFixture : IDisposable
{
    private readonly DirectoryInfo outdir = Directory.CreateTempSubdirectory("cdk-app-");

    public SynthesizedAppFixture()
    {
        Stacks = CdkTestApp.SynthesizeApp(outdir.FullName);
    }

    public IReadOnlyDictionary<string, SynthesizedStack> Stacks { get; }

    public void Dispose() => outdir.Delete(recursive: true);
}

[CollectionDefinition(Name)]
public sealed class SynthesizedApp : ICollectionFixture<SynthesizedAppFixture>, ICollectionFixture<PinnedAppsFixture>
{
    public const string Name = "synthesized app";
}
