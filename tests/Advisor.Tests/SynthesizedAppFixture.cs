using ReferenceArchitectures.Tools.Advisor.Diagrams;

namespace ReferenceArchitectures.Advisor.Tests;

/// <summary>The app synthesized once for every test that needs its templates (synthesis starts Node.js and takes seconds).</summary>
public sealed class SynthesizedAppFixture : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("advisor-synth-");

    public SynthesizedAppFixture()
    {
        Templates = AppSynthesizer.Synthesize();
        foreach (var (stackName, json) in Templates)
        {
            File.WriteAllText(TemplatePath(stackName), json);
        }
    }

    public IReadOnlyList<(string StackName, string TemplateJson)> Templates { get; }

    public string TemplatePath(string stackName) => Path.Combine(folder.FullName, stackName + ".template.json");

    public void Dispose() => folder.Delete(recursive: true);
}

[CollectionDefinition(Name)]
public sealed class SynthesizedAppGroup : ICollectionFixture<SynthesizedAppFixture>
{
    public const string Name = "synthesized app";
}
