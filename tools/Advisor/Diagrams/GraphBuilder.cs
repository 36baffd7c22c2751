namespace ReferenceArchitectures.Tools.Advisor.Diagrams;

/// <summary>Collects the edges the rules find, then decides each node's box and builds the sorted graph.</summary>
internal sealed class GraphBuilder(CloudFormationTemplate template)
{
    private readonly Dictionary<string, string?> nodeOf = new(StringComparer.Ordinal);
    // Ordinal, so that the order of arrows in the Graphviz source is the same on every machine.
    private readonly SortedDictionary<(string From, string To, EdgeFlow Flow), SortedSet<string>> edges = new(Comparer<(string From, string To, EdgeFlow Flow)>.Create((a, b) =>
        string.CompareOrdinal(a.From, b.From) is var from and not 0 ? from : string.CompareOrdinal(a.To, b.To) is var to and not 0 ? to : a.Flow.CompareTo(b.Flow)));
    private readonly HashSet<string> deploymentFunctions = new(StringComparer.Ordinal);

    public CloudFormationTemplate Template => template;

    /// <summary>The node a resource is drawn as, or null when it is not drawn.</summary>
    public string? NodeOf(string id)
    {
        if (!nodeOf.TryGetValue(id, out var node))
        {
            nodeOf[id] = node = ResourceKinds.NodeOf(template, id);
        }

        return node;
    }

    /// <summary>An arrow between two drawn nodes; a resource that is not drawn, or an arrow from a node to itself, adds nothing.</summary>
    public void Connect(string? fromNode, string? toNode, string label, EdgeFlow flow)
    {
        if (fromNode is null || toNode is null || fromNode == toNode)
        {
            return;
        }

        if (!edges.TryGetValue((fromNode, toNode, flow), out var labels))
        {
            edges[(fromNode, toNode, flow)] = labels = new SortedSet<string>(StringComparer.Ordinal);
        }

        labels.Add(label);
    }

    /// <summary>An arrow between the nodes two resources are drawn as.</summary>
    public void Link(string fromId, string toId, string label, EdgeFlow flow) => Connect(NodeOf(fromId), NodeOf(toId), label, flow);

    public IEnumerable<(string From, string To, IReadOnlySet<string> Labels)> EdgesInto(string node, EdgeFlow flow) =>
        edges.Where(edge => edge.Key.To == node && edge.Key.Flow == flow).Select(edge => (edge.Key.From, edge.Key.To, (IReadOnlySet<string>)edge.Value));

    public IEnumerable<(string From, string To, IReadOnlySet<string> Labels)> EdgesFrom(string node, EdgeFlow flow) =>
        edges.Where(edge => edge.Key.From == node && edge.Key.Flow == flow).Select(edge => (edge.Key.From, edge.Key.To, (IReadOnlySet<string>)edge.Value));

    /// <summary>A function CloudFormation calls for a custom resource runs while the stack deploys, not on the main path.</summary>
    public void MarkDeploymentFunction(string id)
    {
        if (NodeOf(id) is { } node)
        {
            deploymentFunctions.Add(node);
        }
    }

    public ArchitectureGraph ToGraph()
    {
        var resourceNodes = template.Ids.Select(id => (Id: id, Node: NodeOf(id))).Where(entry => entry.Node is not null)
            .GroupBy(entry => entry.Node!, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Select(entry => entry.Id).ToList(), StringComparer.Ordinal);
        var ids = resourceNodes.Keys.Concat(edges.Keys.SelectMany(edge => new[] { edge.From, edge.To })).Distinct().ToList();
        var groups = ids.ToDictionary(id => id, id => InitialGroup(id, resourceNodes), StringComparer.Ordinal);

        // A topic, key or bucket that only monitoring reaches (alarm notifications, access logs) is monitoring too;
        // repeated, because the key of a monitoring topic is reached only through monitoring.
        var changed = true;
        while (changed)
        {
            changed = false;
            foreach (var id in ids.Where(id => groups[id] == DiagramGroup.MainPath && resourceNodes.ContainsKey(id)))
            {
                var incoming = edges.Keys.Where(edge => edge.To == id).ToList();
                if (incoming.Count > 0 && incoming.All(edge => edge.Flow == EdgeFlow.Telemetry || groups[edge.From] == DiagramGroup.Monitoring)
                    && edges.Keys.Where(edge => edge.From == id).All(edge => groups[edge.To] != DiagramGroup.MainPath))
                {
                    groups[id] = DiagramGroup.Monitoring;
                    changed = true;
                }
            }
        }

        var nodes = ids.Order(StringComparer.Ordinal).Select(id => Describe(id, groups[id], resourceNodes)).ToList();
        var edgeList = edges.Select(edge => new DiagramEdge(edge.Key.From, edge.Key.To, edge.Value.ToList(), edge.Key.Flow)).ToList();
        return new ArchitectureGraph(template.StackName, nodes, edgeList);
    }

    private DiagramGroup InitialGroup(string id, Dictionary<string, List<string>> resourceNodes)
    {
        if (!resourceNodes.TryGetValue(id, out var resources))
        {
            return DiagramGroup.Outside;
        }

        // A node that stands for every resource of a kind (alarms, log groups) has no logical id of its own.
        return deploymentFunctions.Contains(id) ? DiagramGroup.Deployment : ResourceKinds.GroupOf(template.TypeOf(template.Contains(id) ? id : resources[0]));
    }

    private DiagramNode Describe(string id, DiagramGroup group, Dictionary<string, List<string>> resourceNodes)
    {
        if (id == ArchitectureGraph.ClientId)
        {
            return new DiagramNode(id, ArchitectureGraph.ClientType, "Client", "outside the stack", group);
        }

        if (id.StartsWith(ArchitectureGraph.ExternalPrefix, StringComparison.Ordinal))
        {
            return new DiagramNode(id, ArchitectureGraph.ExternalServiceType, ServiceCalls.ExternalServices[id[ArchitectureGraph.ExternalPrefix.Length..]], "called, not deployed", group);
        }

        var resources = resourceNodes[id];
        if (!template.Contains(id))
        {
            // One node for every resource of a kind (alarms, log groups).
            var type = template.TypeOf(resources[0]);
            var (what, service) = type == "AWS::CloudWatch::Alarm" ? ("alarms", "CloudWatch") : ("log groups", "CloudWatch Logs");
            return new DiagramNode(id, type, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{resources.Count} {what}"), service, group);
        }

        return new DiagramNode(id, template.TypeOf(id), ResourceKinds.NameOf(template, id), ResourceKinds.KindOf(template, id), group);
    }
}
