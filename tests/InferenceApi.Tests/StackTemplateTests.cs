using System.Text.Json.Nodes;
using ReferenceArchitectures.Testing.StackTemplates;

namespace ReferenceArchitectures.InferenceApi.Tests;

/// <summary>
/// What the local runs make of the values CloudFormation resolves at deploy time: each resource exists locally under
/// its logical id, in <see cref="StackTemplate.Region"/> of <see cref="StackTemplate.AccountId"/>.
/// </summary>
public sealed class StackTemplateTests
{
    private static readonly StackTemplate Template = new("""
        {
          "Resources": {
            "ChatFunction": { "Type": "AWS::Lambda::Function", "Properties": {} },
            "Answers": { "Type": "AWS::SQS::Queue", "Properties": {} }
          }
        }
        """);

    [Theory]
    [InlineData("""{ "Ref": "AWS::Region" }""", "us-east-1")]
    [InlineData("""{ "Ref": "Answers" }""", "Answers")]
    [InlineData("""{ "Fn::GetAtt": ["ChatFunction", "Arn"] }""", "arn:aws:lambda:us-east-1:123456789012:function:ChatFunction")]
    [InlineData("""{ "Fn::Join": ["/", ["queues", { "Ref": "Answers" }, { "Ref": "AWS::AccountId" }]] }""", "queues/Answers/123456789012")]
    [InlineData("""{ "Fn::Sub": "https://${Answers}.${AWS::URLSuffix}/${!Literal}" }""", "https://Answers.amazonaws.com/${Literal}")]
    [InlineData("""{ "Fn::Sub": "${ChatFunction.Arn}" }""", "arn:aws:lambda:us-east-1:123456789012:function:ChatFunction")]
    [InlineData("""{ "Fn::Sub": ["${Prefix}-${AWS::Partition}", { "Prefix": { "Ref": "Answers" } }] }""", "Answers-aws")]
    [InlineData("512", "512")]
    public void Intrinsics_resolve_to_the_local_names(string value, string expected) =>
        Assert.Equal(expected, Template.Resolve(JsonNode.Parse(value)));

    [Theory]
    [InlineData("""{ "Fn::GetAtt": ["Answers", "QueueName"] }""", "QueueName of Answers")]
    [InlineData("""{ "Fn::ImportValue": "SharedQueue" }""", "Fn::ImportValue")]
    [InlineData("""{ "Ref": "AWS::StackId" }""", "AWS::StackId")]
    public void A_value_the_local_runs_do_not_model_fails_instead_of_passing_unresolved(string value, string named)
    {
        var error = Assert.Throws<NotSupportedException>(() => Template.Resolve(JsonNode.Parse(value)));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
