namespace ReferenceArchitectures.Tools.Advisor.Diagrams;

/// <summary>One stack's diagram: its Graphviz source and the SVG drawn from it.</summary>
public sealed record StackDiagram(string StackName, string Dot, string Svg);

/// <summary>The diagrams of every stack the app synthesizes; <c>pattern-advisor diagrams</c> writes them to docs/diagrams.</summary>
public static class DiagramSet
{
    public const string DefaultFolder = "docs/diagrams";

    /// <param name="cdkOut">A folder of synthesized templates (such as cdk.out) to draw instead of synthesizing the app.</param>
    public static async Task<IReadOnlyList<StackDiagram>> GenerateAsync(string? cdkOut, CancellationToken cancellationToken)
    {
        var diagrams = new List<StackDiagram>();
        foreach (var (stackName, template) in cdkOut is null ? AppSynthesizer.Synthesize() : ReadTemplates(cdkOut))
        {
            var dot = ArchitectureGraph.ToDot(stackName, template);
            diagrams.Add(new StackDiagram(stackName, dot, await GraphvizRenderer.RenderSvgAsync(dot, cancellationToken)));
        }

        return diagrams;
    }

    private static List<(string StackName, string TemplateJson)> ReadTemplates(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new AdvisorInputException($"{folder}: no such folder of synthesized templates.");
        }

        var templates = Directory.GetFiles(folder, "*.template.json")
            .Order(StringComparer.Ordinal)
            .Select(path => (Path.GetFileName(path)[..^".template.json".Length], File.ReadAllText(path)))
            .ToList();
        return templates.Count > 0 ? templates : throw new AdvisorInputException($"{folder}: no *.template.json files in it; run `npx cdk synth` first.");
    }

    public static async Task WriteAsync(IReadOnlyList<StackDiagram> diagrams, string folder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(diagrams);
        Directory.CreateDirectory(folder);
        foreach (var diagram in diagrams)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, diagram.StackName + ".dot"), diagram.Dot, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(folder, diagram.StackName + ".svg"), diagram.Svg, cancellationToken);
        }
    }
}
