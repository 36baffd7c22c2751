using System.Text.Json.Nodes;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>Reads the container patterns' templates: the one resource of a type, properties, and the assets manifest.</summary>
public sealed class ContainerTemplateQuery(SynthesizedStack stack)
{
    public TemplateQuery Template { get; } = new(stack.Json);

    public JsonObject Root { get; } = JsonNode.Parse(stack.Json)!.AsObject();

    /// <summary>The only resource of <paramref name="type"/>, with its logical id.</summary>
    public (string Id, JsonObject Properties) Only(string type)
    {
        var (id, resource) = Template.OfType(type).Single();
        return (id, resource["Properties"]!.AsObject());
    }

    public IReadOnlyList<JsonObject> PropertiesOf(string type) =>
        Template.OfType(type).Values.Select(resource => resource["Properties"]!.AsObject()).ToList();

    public IReadOnlyList<string> DependsOn(string logicalId) =>
        TemplateQuery.Strings(Template.Resource(logicalId)["DependsOn"]).ToList();

    /// <summary>The container definitions of the only task definition.</summary>
    public JsonObject Container => Only("AWS::ECS::TaskDefinition").Properties["ContainerDefinitions"]![0]!.AsObject();

    public IReadOnlyDictionary<string, string> ContainerEnvironment =>
        Container["Environment"]!.AsArray().ToDictionary(entry => (string)entry!["Name"]!, entry => TemplateQuery.Render(entry!["Value"]));

    /// <summary>Every statement of every IAM policy attached to the role with logical id <paramref name="roleId"/>.</summary>
    public IReadOnlyList<JsonObject> StatementsOfRole(string roleId) =>
        Template.OfType("AWS::IAM::Policy").Values
            .Where(policy => policy["Properties"]!["Roles"]!.AsArray().Any(role => (string?)role!["Ref"] == roleId))
            .SelectMany(policy => policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())
            .Select(statement => statement!.AsObject())
            .ToList();

    /// <summary>The logical id of the task role (the one the task definition names).</summary>
    public string TaskRoleId => (string)Only("AWS::ECS::TaskDefinition").Properties["TaskRoleArn"]!["Fn::GetAtt"]![0]!;

    /// <summary>The Docker image assets of the stack, from its assets manifest next to the template.</summary>
    public IReadOnlyList<JsonObject> DockerImageAssets()
    {
        var manifest = JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(Path.ChangeExtension(stack.TemplatePath, null), null) + ".assets.json"))!;
        return manifest["dockerImages"]?.AsObject().Select(entry => entry.Value!["source"]!.AsObject()).ToList() ?? [];
    }

    /// <summary>The folder holding the synthesized template (cdk.out), where staged assets are.</summary>
    public string OutputDirectory => Path.GetDirectoryName(stack.TemplatePath)!;

    /// <summary>Whether a subnet reference names one of the VPC's private subnets.</summary>
    public bool IsPrivateSubnet(JsonNode? subnetReference)
    {
        var id = (string?)subnetReference?["Ref"];
        return id is not null
            && Template.Resource(id)["Type"]!.ToString() == "AWS::EC2::Subnet"
            && Template.Resource(id)["Properties"]!["MapPublicIpOnLaunch"]?.GetValue<bool>() != true
            && id.Contains("PrivateSubnet", StringComparison.Ordinal);
    }
}
