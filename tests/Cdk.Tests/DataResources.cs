using System.Text.Json.Nodes;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>
/// The resources of a template that hold data. CloudFormation treats a changed logical id as one resource removed and
/// another added: it creates the new resource and deletes the old one, or, where the old one is retained, leaves it
/// orphaned outside the stack
/// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html). A bucket, table or
/// queue that changes its logical id in a refactoring therefore loses what it holds (or splits it over two resources), and
/// a log group loses its history. Each pattern's stack tests pin these ids, so a refactoring that moves one into a
/// construct fails a test instead of a deploy.
/// </summary>
public static class DataResources
{
    public static IReadOnlySet<string> Types { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::Logs::LogGroup",
    };

    /// <returns>"Type LogicalId" for every data-holding resource, sorted.</returns>
    public static IReadOnlyList<string> LogicalIds(SynthesizedStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var resources = JsonNode.Parse(stack.Json)!["Resources"]!.AsObject();
        return
        [
            .. resources
                .Select(resource => (Type: (string)resource.Value!["Type"]!, Id: resource.Key))
                .Where(resource => Types.Contains(resource.Type))
                .Select(resource => $"{resource.Type} {resource.Id}")
                .Order(StringComparer.Ordinal),
        ];
    }
}
