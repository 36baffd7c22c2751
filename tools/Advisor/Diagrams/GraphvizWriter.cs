using System.Globalization;
using System.Text;

namespace ReferenceArchitectures.Tools.Advisor.Diagrams;

/// <summary>
/// Writes an <see cref="ArchitectureGraph"/> as Graphviz source. The main path is drawn left to right in solid
/// arrows, and it alone places the nodes; monitoring, network, capacity and deployment each sit in a box of their own,
/// joined to the main path by grey arrows that do not move it.
/// </summary>
public static class GraphvizWriter
{
    private static readonly (DiagramGroup Group, string Title)[] SideGroups =
    [
        (DiagramGroup.Monitoring, "Monitoring"),
        (DiagramGroup.Network, "Network"),
        (DiagramGroup.Capacity, "Compute capacity"),
        (DiagramGroup.Deployment, "Called by CloudFormation (custom resources)"),
    ];

    public static string Write(ArchitectureGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var dot = new StringBuilder();
        dot.Append(CultureInfo.InvariantCulture, $"digraph {Quote(graph.StackName)} {{\n");
        dot.Append(CultureInfo.InvariantCulture, $"  graph [rankdir=LR, newrank=true, fontname=\"Helvetica\", fontsize=16, label={Quote(graph.StackName)}, labelloc=t, nodesep=0.35, ranksep=0.7];\n");
        dot.Append("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=10];\n");
        dot.Append("  edge [fontname=\"Helvetica\", fontsize=9];\n");

        foreach (var node in graph.Nodes.Where(node => node.Group == DiagramGroup.Outside))
        {
            var shape = node.Id == ArchitectureGraph.ClientId ? "shape=oval, style=filled, fillcolor=\"#ffffff\"" : "shape=component, style=\"filled,dashed\", fillcolor=\"#ffffff\"";
            dot.Append(CultureInfo.InvariantCulture, $"  {Quote(node.Id)} [label={Quote(Label(node))}, {shape}];\n");
        }

        // The client starts the main path, so it is the leftmost column.
        if (graph.Nodes.Any(node => node.Id == ArchitectureGraph.ClientId))
        {
            dot.Append(CultureInfo.InvariantCulture, $"  {{ rank=source; {Quote(ArchitectureGraph.ClientId)}; }}\n");
        }

        foreach (var node in graph.Nodes.Where(node => node.Group == DiagramGroup.MainPath))
        {
            dot.Append(CultureInfo.InvariantCulture, $"  {Quote(node.Id)} [label={Quote(Label(node))}, fillcolor=\"{ResourceKinds.Colour(node.Type)}\"];\n");
        }

        foreach (var (group, title) in SideGroups)
        {
            var members = graph.Nodes.Where(node => node.Group == group).ToList();
            if (members.Count == 0)
            {
                continue;
            }

            // One column per box: a side box is read as a list beside the main path, not as a path of its own.
            dot.Append(CultureInfo.InvariantCulture, $"  subgraph \"cluster_{group}\" {{\n    label={Quote(title)}; style=\"rounded,dashed\"; color=\"#9e9e9e\"; fontcolor=\"#616161\"; fontsize=12; rank=same;\n");
            foreach (var node in members)
            {
                dot.Append(CultureInfo.InvariantCulture, $"    {Quote(node.Id)} [label={Quote(Label(node))}, fillcolor=\"#f5f5f5\", color=\"#9e9e9e\", fontcolor=\"#424242\"];\n");
            }

            dot.Append("  }\n");
        }

        foreach (var edge in graph.Edges)
        {
            dot.Append(CultureInfo.InvariantCulture, $"  {Quote(edge.From)} -> {Quote(edge.To)} [label={Quote(string.Join("\n", edge.Labels))}, {Style(graph, edge)}];\n");
        }

        dot.Append("}\n");
        return dot.ToString();
    }

    private static string Style(ArchitectureGraph graph, DiagramEdge edge)
    {
        if (graph.IsOnMainPath(edge))
        {
            return "color=\"#263238\", fontcolor=\"#263238\", penwidth=1.3";
        }

        var line = edge.Flow == EdgeFlow.Placement ? "dotted" : "dashed";
        // An arrow from the main path into a side box puts the box to the right of what it watches or hosts; one from
        // a side box back into the main path must not move the main path.
        // a side box back into the main path must not move the main path. Two columns on, so that the box does not
        // share a column with the main path's last callees and their arrows do not cross it.
        var from = graph.Node(edge.From).Group;
        var to = graph.Node(edge.To).Group;
        var placement = to is DiagramGroup.MainPath or DiagramGroup.Outside ? ", constraint=false" : from != to ? ", minlen=2" : string.Empty;
        return $"style={line}, color=\"#9e9e9e\", fontcolor=\"#757575\"{placement}";
    }

    private static string Label(DiagramNode node) => $"{node.Name}\n{node.Kind}";

    /// <summary>A Graphviz string: quotes and backslashes escaped, line breaks as Graphviz's centred <c>\n</c>.</summary>
    private static string Quote(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
