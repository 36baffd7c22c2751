using System.Globalization;
using System.Xml.Linq;
using ReferenceArchitectures.Cdk;
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
    public void Diagrams_leave_out_iam_and_routing_plumbing()
    {
        string[] plumbing = ["AWS::IAM::Role", "AWS::IAM::Policy", "AWS::EC2::Subnet", "AWS::EC2::SecurityGroup", "AWS::EC2::RouteTable", "AWS::Lambda::Permission"];
        foreach (var (stackName, template) in app.Templates)
        {
            var graph = ArchitectureGraph.Build(stackName, template);

            Assert.DoesNotContain(graph.Nodes, node => plumbing.Contains(node.Type));
        }
    }

    [Fact]
    public void Every_arrow_is_labelled_with_what_it_stands_for()
    {
        foreach (var (stackName, template) in app.Templates)
        {
            var graph = ArchitectureGraph.Build(stackName, template);

            Assert.NotEmpty(graph.Edges);
            Assert.All(graph.Edges, edge => Assert.True(edge.Labels.Count > 0 && edge.Labels.All(label => label.Length > 0), $"{stackName}: {edge.From} -> {edge.To} has no label."));
        }
    }

    [Fact]
    public void Monitoring_and_network_resources_sit_in_boxes_of_their_own_joined_by_grey_arrows()
    {
        var monitoring = new[] { "AWS::CloudWatch::Alarm", "AWS::Logs::LogGroup", "AWS::SNS::Topic", "AWS::KMS::Key" };
        var network = new[] { "AWS::EC2::VPC", "AWS::EC2::NatGateway", "AWS::EC2::InternetGateway", "AWS::EC2::FlowLog" };
        foreach (var (stackName, template) in app.Templates)
        {
            var graph = ArchitectureGraph.Build(stackName, template);
            var dot = GraphvizWriter.Write(graph);

            foreach (var node in graph.Nodes.Where(node => monitoring.Contains(node.Type) || network.Contains(node.Type)))
            {
                var box = monitoring.Contains(node.Type) ? DiagramGroup.Monitoring : DiagramGroup.Network;
                Assert.Equal(box, node.Group);
                Assert.Contains($"\"{node.Id}\"", Cluster(dot, box), StringComparison.Ordinal);
            }

            foreach (var edge in graph.Edges.Where(edge => graph.Node(edge.From).Group is DiagramGroup.Monitoring or DiagramGroup.Network || graph.Node(edge.To).Group is DiagramGroup.Monitoring or DiagramGroup.Network))
            {
                Assert.False(graph.IsOnMainPath(edge));
                Assert.Matches("style=(dashed|dotted), color=\"#9e9e9e\"", EdgeLine(dot, edge));
            }
        }
    }

    /// <summary>
    /// Follows the main path from the client, each node from the first node that reaches it, in the SVG that Graphviz
    /// draws: every step must go right. (A later arrow back, such as a function reading the uploaded object, may go left.)
    /// </summary>
    [Fact]
    public async Task The_main_path_reads_left_to_right_from_the_client()
    {
        foreach (var (stackName, template) in app.Templates)
        {
            var graph = ArchitectureGraph.Build(stackName, template);
            var centres = NodeCentres(await GraphvizRenderer.RenderSvgAsync(GraphvizWriter.Write(graph), CancellationToken.None));
            var reached = new HashSet<string>(StringComparer.Ordinal) { ArchitectureGraph.ClientId };
            var queue = new Queue<string>([ArchitectureGraph.ClientId]);
            var steps = 0;
            while (queue.TryDequeue(out var node))
            {
                foreach (var edge in graph.Edges.Where(edge => edge.From == node && graph.IsOnMainPath(edge) && reached.Add(edge.To)))
                {
                    Assert.True(centres[edge.From] < centres[edge.To], $"{stackName}: {edge.To} is drawn left of {edge.From}, which calls it.");
                    queue.Enqueue(edge.To);
                    steps++;
                }
            }

            Assert.True(steps >= 2, $"{stackName}: the main path from the client has {steps} step(s).");
        }
    }

    [Fact]
    public void The_diagram_is_the_same_however_the_resources_are_ordered()
    {
        foreach (var (stackName, template) in app.Templates)
        {
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

    private static string Cluster(string dot, DiagramGroup group)
    {
        var start = dot.IndexOf($"subgraph \"cluster_{group}\" {{", StringComparison.Ordinal);
        Assert.True(start >= 0, $"No {group} box in the diagram.");
        return dot[start..dot.IndexOf("\n  }", start, StringComparison.Ordinal)];
    }

    private static string EdgeLine(string dot, DiagramEdge edge) =>
        Assert.Single(dot.Split('\n'), line => line.StartsWith($"  \"{edge.From}\" -> \"{edge.To}\" ", StringComparison.Ordinal) && line.Contains(string.Join("\\n", edge.Labels), StringComparison.Ordinal));

    /// <summary>Each node's horizontal centre in Graphviz's SVG: a node is a &lt;g class="node"&gt; titled with its id, its label text centred on it.</summary>
    private static Dictionary<string, double> NodeCentres(string svg)
    {
        XNamespace ns = "http://www.w3.org/2000/svg";
        return XDocument.Parse(svg).Descendants(ns + "g").Where(g => (string?)g.Attribute("class") == "node").ToDictionary(
            g => g.Element(ns + "title")!.Value,
            g => double.Parse((string)g.Element(ns + "text")!.Attribute("x")!, CultureInfo.InvariantCulture),
            StringComparer.Ordinal);
    }
}
