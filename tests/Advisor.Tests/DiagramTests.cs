using ReferenceArchitectures.Cdk;
using ReferenceArchitectures.Cdk.LambdaBedrock;
using ReferenceArchitectures.Tools.Advisor.Diagrams;

namespace ReferenceArchitectures.Advisor.Tests;

[Collection(SynthesizedAppGroup.Name)]
public sealed class DiagramTests(SynthesizedAppFixture app)
{
    private const string HowToUpdate = "Run `dotnet run --project tools/Advisor -- diagrams` and commit docs/diagrams.";

    private static string Committed(string stackName, string extension)
    {
        var path = RepositoryLayout.PathFromRoot(Path.Combine(DiagramSet.DefaultFolder, stackName + extension));
        Assert.True(File.Exists(path), $"No committed diagram {Path.GetRelativePath(RepositoryLayout.Root, path)}. {HowToUpdate}");
        return File.ReadAllText(path).ReplaceLineEndings("\n");
    }

    [Fact]
    public void Every_stack_of_the_app_has_a_committed_diagram_source_equal_to_what_the_app_generates()
    {
        Assert.NotEmpty(app.Templates);
        foreach (var (stackName, template) in app.Templates)
        {
            var expected = ArchitectureGraph.ToDot(stackName, template);

            Assert.True(Committed(stackName, ".dot") == expected, $"docs/diagrams/{stackName}.dot is out of date with the app. {HowToUpdate}");
        }
    }

    [Fact]
    public async Task Every_committed_svg_is_what_graphviz_draws_from_the_current_app()
    {
        foreach (var (stackName, template) in app.Templates)
        {
            // Needs Graphviz's dot; without it RenderSvgAsync fails with a message saying to install graphviz.
            var svg = await GraphvizRenderer.RenderSvgAsync(ArchitectureGraph.ToDot(stackName, template), CancellationToken.None);

            Assert.True(Committed(stackName, ".svg") == svg, $"docs/diagrams/{stackName}.svg is out of date with the app. {HowToUpdate}");
        }
    }

    [Fact]
    public void No_committed_diagram_is_left_over_from_a_stack_the_app_no_longer_has()
    {
        var stacks = app.Templates.Select(template => template.StackName).ToHashSet(StringComparer.Ordinal);
        var folder = RepositoryLayout.PathFromRoot(DiagramSet.DefaultFolder);

        var orphans = Directory.GetFiles(folder, "*.dot").Select(Path.GetFileNameWithoutExtension).Where(name => !stacks.Contains(name!)).ToList();

        Assert.True(orphans.Count == 0, $"Diagrams without a stack: {string.Join(", ", orphans)}. Delete them.");
    }

    [Fact]
    public void Diagrams_leave_out_iam_plumbing_and_show_what_a_role_lets_a_resource_call()
    {
        var (stackName, template) = app.Templates.Single(t => t.StackName == LambdaBedrockStack.ConstructId);

        var dot = ArchitectureGraph.ToDot(stackName, template);

        Assert.DoesNotContain("\\nRole\"", dot, StringComparison.Ordinal);
        Assert.DoesNotContain("\\nPolicy\"", dot, StringComparison.Ordinal);
        Assert.DoesNotContain("\\nLogGroup\"", dot, StringComparison.Ordinal);
        Assert.Contains("-> \"external_bedrock\" [label=\"bedrock\"]", dot, StringComparison.Ordinal);
        Assert.Contains("[label=\"invoke\"]", dot, StringComparison.Ordinal);
    }

    [Fact]
    public void The_diagram_is_the_same_however_the_resources_are_ordered()
    {
        var (stackName, template) = app.Templates[0];
        var reordered = System.Text.Json.Nodes.JsonNode.Parse(template)!.AsObject();
        var resources = reordered["Resources"]!.AsObject();
        var entries = resources.Reverse().Select(entry => (entry.Key, entry.Value!.DeepClone())).ToList();
        resources.Clear();
        foreach (var (key, value) in entries)
        {
            resources[key] = value;
        }

        Assert.Equal(ArchitectureGraph.ToDot(stackName, template), ArchitectureGraph.ToDot(stackName, reordered.ToJsonString()));
    }
}
