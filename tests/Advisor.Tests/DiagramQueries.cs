using ReferenceArchitectures.Tools.Advisor.Diagrams;

namespace ReferenceArchitectures.Advisor.Tests;

/// <summary>
/// Finds nodes and arrows of a diagram by resource type and relation, never by logical id, so that a stack
/// refactoring that renames constructs needs only a regenerated diagram, not new tests.
/// </summary>
internal static class DiagramQueries
{
    public const string Bucket = "AWS::S3::Bucket";
    public const string Function = "AWS::Lambda::Function";
    public const string Rule = "AWS::Events::Rule";
    public const string StateMachine = "AWS::StepFunctions::StateMachine";
    public const string Queue = "AWS::SQS::Queue";
    public const string Alarm = "AWS::CloudWatch::Alarm";
    public const string Topic = "AWS::SNS::Topic";

    public static ArchitectureGraph Graph(this SynthesizedAppFixture app, string stackName)
    {
        var (name, template) = app.Templates.Single(entry => entry.StackName == stackName);
        return ArchitectureGraph.Build(name, template);
    }

    public static List<DiagramNode> OfType(this ArchitectureGraph graph, string type) => graph.Nodes.Where(node => node.Type == type).ToList();

    public static DiagramNode Single(this ArchitectureGraph graph, string type) => Assert.Single(graph.OfType(type));

    /// <summary>Arrows from any node of one type to any node of another.</summary>
    public static List<DiagramEdge> Between(this ArchitectureGraph graph, string fromType, string toType) =>
        graph.Edges.Where(edge => graph.Node(edge.From).Type == fromType && graph.Node(edge.To).Type == toType).ToList();

    public static List<DiagramEdge> Between(this ArchitectureGraph graph, DiagramNode from, DiagramNode to) =>
        graph.Edges.Where(edge => edge.From == from.Id && edge.To == to.Id).ToList();

    /// <summary>The one arrow between two nodes, which must be on the main path.</summary>
    public static DiagramEdge MainPathArrow(this ArchitectureGraph graph, DiagramNode from, DiagramNode to)
    {
        var edge = Assert.Single(graph.Between(from, to));
        Assert.True(graph.IsOnMainPath(edge), $"{from.Name} -> {to.Name} is drawn off the main path.");
        return edge;
    }
}
