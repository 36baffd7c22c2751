namespace ReferenceArchitectures.Tools.Advisor.Diagrams;

/// <summary>Where a node is drawn: on the main path, or in one of the boxes kept apart from it.</summary>
public enum DiagramGroup
{
    /// <summary>What a request or an event passes through.</summary>
    MainPath,

    /// <summary>Who calls the stack, and services it calls without deploying them.</summary>
    Outside,

    /// <summary>Alarms, their topics and keys, log groups, access-log buckets.</summary>
    Monitoring,

    /// <summary>The VPC and what routes its traffic.</summary>
    Network,

    /// <summary>The instances ECS places tasks on.</summary>
    Capacity,

    /// <summary>Functions CloudFormation calls for custom resources while it creates, updates or deletes the stack.</summary>
    Deployment,
}

/// <summary>What an arrow stands for.</summary>
public enum EdgeFlow
{
    /// <summary>A call or an event, from the caller to the callee.</summary>
    Request,

    /// <summary>Metrics, logs and notifications about the main path.</summary>
    Telemetry,

    /// <summary>Where something runs: subnets, capacity providers, launch templates.</summary>
    Placement,
}

/// <param name="Id">The Graphviz id: the logical id of the resource drawn, or a fixed id for a node that stands for several resources or none.</param>
/// <param name="Type">The CloudFormation type (for alarms and log groups, of all the resources the node stands for), or <see cref="ArchitectureGraph.ClientType"/> or <see cref="ArchitectureGraph.ExternalServiceType"/>.</param>
public sealed record DiagramNode(string Id, string Type, string Name, string Kind, DiagramGroup Group);

/// <param name="Labels">The calls the arrow stands for, sorted.</param>
public sealed record DiagramEdge(string From, string To, IReadOnlyList<string> Labels, EdgeFlow Flow);

/// <summary>
/// One stack drawn the way data moves through it: arrows from caller to callee, each labelled with the calls,
/// derived from the synthesized template by the rules in <see cref="DataFlowRules"/>. Everything is sorted, so the
/// graph is the same however the template orders its resources.
/// </summary>
public sealed class ArchitectureGraph
{
    public const string ClientId = "client";
    public const string AlarmsId = "alarms";
    public const string LogGroupsId = "log_groups";
    public const string ExternalPrefix = "external_";
    public const string ClientType = "Diagram::Client";
    public const string ExternalServiceType = "Diagram::ExternalService";

    private readonly Dictionary<string, DiagramNode> nodesById;

    internal ArchitectureGraph(string stackName, IReadOnlyList<DiagramNode> nodes, IReadOnlyList<DiagramEdge> edges)
    {
        StackName = stackName;
        Nodes = nodes;
        Edges = edges;
        nodesById = nodes.ToDictionary(node => node.Id, StringComparer.Ordinal);
    }

    public string StackName { get; }

    public IReadOnlyList<DiagramNode> Nodes { get; }

    public IReadOnlyList<DiagramEdge> Edges { get; }

    public DiagramNode Node(string id) => nodesById[id];

    /// <summary>A request between two nodes of the main path (or its outside callers and callees): drawn solid, and it alone decides the left-to-right order.</summary>
    public bool IsOnMainPath(DiagramEdge edge)
    {
        ArgumentNullException.ThrowIfNull(edge);
        return edge.Flow == EdgeFlow.Request && IsMain(Node(edge.From)) && IsMain(Node(edge.To));

        static bool IsMain(DiagramNode node) => node.Group is DiagramGroup.MainPath or DiagramGroup.Outside;
    }

    public static ArchitectureGraph Build(string stackName, string templateJson)
    {
        var builder = new GraphBuilder(new CloudFormationTemplate(stackName, templateJson));
        DataFlowRules.Apply(builder);
        return builder.ToGraph();
    }

    public static string ToDot(string stackName, string templateJson) => GraphvizWriter.Write(Build(stackName, templateJson));
}
