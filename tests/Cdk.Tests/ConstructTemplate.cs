using Amazon.CDK;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>
/// A shared construct on its own: a stack that <c>build</c> fills, synthesized once, and its template to query. Each
/// construct's test class builds one in its fixture and asserts on it many times.
/// </summary>
public sealed class ConstructTemplate
{
    public const string StackName = "ConstructTest";

    private ConstructTemplate(string json)
    {
        Json = json;
        Query = new TemplateQuery(json);
    }

    public string Json { get; }

    public TemplateQuery Query { get; }

    public static ConstructTemplate Synthesize(Action<Stack> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        var outdir = Directory.CreateTempSubdirectory("cdk-construct-");
        try
        {
            var app = new App(new AppProps { Outdir = outdir.FullName });
            build(new Stack(app, StackName));
            app.Synth();
            return new ConstructTemplate(File.ReadAllText(Path.Combine(outdir.FullName, StackName + ".template.json")));
        }
        finally
        {
            outdir.Delete(recursive: true);
        }
    }
}
