using System.Globalization;
using ReferenceArchitectures.Testing.StackTemplates;

namespace ReferenceArchitectures.ModelServer.Tests;

/// <summary>The load balancer's health check of the service's targets, as the target group configures it.</summary>
/// <param name="Port">The port checked; the target's own port when the template says <c>traffic-port</c> or nothing.</param>
/// <param name="HealthyCodes">The HTTP codes the matcher accepts.</param>
public sealed record TargetHealthCheck(string Protocol, string Path, int Port, IReadOnlySet<int> HealthyCodes);

/// <summary>
/// The model server's container as a container pattern's template runs it, found from the template's one ECS service:
/// the container and target group of its load-balancer entry, in the task definition it runs.
/// </summary>
/// <remarks>
/// Memory and CPU are not read: .NET sizes its heap and thread counts from the limits ECS puts on the container
/// (cgroups), which a server in the test process cannot be given; it shares the test host's memory and cores. The task
/// sizes themselves are checked by the CDK tests (FargateTaskSizesTests, the GPU stack's tests).
/// </remarks>
/// <param name="Environment">The container's environment, references resolved to the local names.</param>
/// <param name="Command">The arguments the task passes to the image's entry point; empty when it passes none.</param>
/// <param name="ContainerPort">The container port of the task's port mapping.</param>
/// <param name="TargetPort">The port ECS registers in the target group: the service's load-balancer entry's.</param>
public sealed record ModelServerTask(
    string ContainerName,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<string> Command,
    int ContainerPort,
    int TargetPort,
    TargetHealthCheck HealthCheck)
{
    /// <exception cref="InvalidOperationException">The template has no single load-balanced service, or it points at nothing.</exception>
    /// <exception cref="NotSupportedException">The container has an entry point or a health check of its own: the local run
    /// starts the image's entry point in-process and would leave such a check unchecked, so it refuses instead.</exception>
#pragma warning disable CA1507 // The strings are CloudFormation's property names; some of this record's properties share them.
    public static ModelServerTask From(StackTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var service = template.OnlyOfType("AWS::ECS::Service").Value["Properties"]!;
        var entries = service["LoadBalancers"]?.AsArray() ?? [];
        var entry = entries.Count == 1 ? entries[0]! : throw new InvalidOperationException($"Expected the service to have one load-balancer entry, found {entries.Count}.");
        var containerName = (string)entry["ContainerName"]!;

        var taskDefinitionId = StackTemplate.RefTarget(service["TaskDefinition"]) ?? throw new InvalidOperationException("The service names no task definition of the template.");
        var taskDefinition = template.Resource(taskDefinitionId)["Properties"]!;
        var container = taskDefinition["ContainerDefinitions"]!.AsArray().SingleOrDefault(c => (string?)c!["Name"] == containerName)?.AsObject()
            ?? throw new InvalidOperationException($"Task definition {taskDefinitionId} has no container '{containerName}', which the service's load-balancer entry names.");
        if (container["EntryPoint"] is not null || container["HealthCheck"] is not null)
        {
            throw new NotSupportedException($"Container '{containerName}' sets {(container["EntryPoint"] is not null ? "an entry point" : "a health check")}, which the local run does not bind yet.");
        }

        var mappings = container["PortMappings"]?.AsArray() ?? [];
        var containerPort = mappings.Count == 1 ? (int)mappings[0]!["ContainerPort"]! : throw new InvalidOperationException($"Expected container '{containerName}' to map one port, found {mappings.Count}.");
        var targetPort = (int)entry["ContainerPort"]!;

        var targetGroupId = StackTemplate.RefTarget(entry["TargetGroupArn"]) ?? throw new InvalidOperationException("The service's load-balancer entry names no target group of the template.");
        var group = template.Resource(targetGroupId)["Properties"]!;
        var checkPort = (string?)group["HealthCheckPort"] is { } port && port != "traffic-port" ? int.Parse(port, CultureInfo.InvariantCulture) : targetPort;
        var healthCheck = new TargetHealthCheck(
            // Elastic Load Balancing's defaults for an HTTP target group when the template leaves them out.
            (string?)group["HealthCheckProtocol"] ?? (string?)group["Protocol"] ?? "HTTP",
            (string?)group["HealthCheckPath"] ?? "/",
            checkPort,
            HealthyCodes((string?)group["Matcher"]?["HttpCode"] ?? "200"));

        return new ModelServerTask(
            containerName,
            (container["Environment"]?.AsArray() ?? []).ToDictionary(v => (string)v!["Name"]!, v => template.Resolve(v!["Value"]), StringComparer.Ordinal),
            [.. (container["Command"]?.AsArray() ?? []).Select(template.Resolve)],
            containerPort,
            targetPort,
            healthCheck);
    }
#pragma warning restore CA1507

    // The matcher's syntax: "200", "200,202" or "200-299".
    private static HashSet<int> HealthyCodes(string matcher) =>
    [
        .. matcher.Split(',', StringSplitOptions.TrimEntries).SelectMany(part => part.Split('-') is [var from, var to]
            ? Enumerable.Range(int.Parse(from, CultureInfo.InvariantCulture), int.Parse(to, CultureInfo.InvariantCulture) - int.Parse(from, CultureInfo.InvariantCulture) + 1)
            : [int.Parse(part, CultureInfo.InvariantCulture)]),
    ];
}
