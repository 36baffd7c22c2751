using System.Text.Json.Nodes;
using ReferenceArchitectures.Testing.Iam;
using ReferenceArchitectures.Testing.LocalAws;
using ReferenceArchitectures.Testing.LocalBedrock;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>
/// The requests the local endpoints recorded, as the calls IAM would see in the deployed stack: each signed by a role's
/// credentials (<see cref="RoleCredentials"/>), its resource's local ARN mapped to the ARN the template gives that
/// resource (<see cref="TemplateValues"/>, for <see cref="DeployTarget.Default"/>). Requests signed with the test's own
/// credentials (uploads, inspection) are not a role's and are left out.
/// </summary>
public static class RecordedCalls
{
    public static IReadOnlyList<RecordedCall> From(TemplateValues template, IEnumerable<LocalAwsRequest> aws, IEnumerable<RecordedRequest> bedrock)
    {
        ArgumentNullException.ThrowIfNull(template);
        var resources = LocalResources(template);
        var calls = new List<RecordedCall>();
        foreach (var request in aws)
        {
            if (RoleCredentials.RoleOf(request.AccessKeyId) is not { } role)
            {
                continue;
            }

            if (request.Authorizations.Count == 0)
            {
                throw new InvalidOperationException($"{role} made a {request.Service} {request.Operation} request whose authorization is not modelled.");
            }

            foreach (var authorization in request.Authorizations)
            {
                var (id, arn) = InTemplate(resources, authorization.Resource);
                calls.Add(new RecordedCall(role, authorization.Action, id, arn, authorization.Context, request.Operation));
            }
        }

        foreach (var request in bedrock)
        {
            if (RoleCredentials.RoleOf(request.AccessKeyId) is not { } role)
            {
                continue;
            }

            var action = request.IamAction ?? throw new InvalidOperationException($"{role} called Bedrock at {request.RawTarget}, which is not Converse or ConverseStream.");
            calls.AddRange(BedrockResources.ForModel(template.Target, request.ModelId!)
                .Select(arn => new RecordedCall(role, action, null, arn, new Dictionary<string, string[]> { ["aws:SecureTransport"] = ["true"] }, request.Operation!)));
        }

        return calls;
    }

    // Each bucket, table and queue of the template exists locally under the name PipelineDefinition.ResolveRef gives it.
    private static List<(string LocalArn, string Id, string TemplateArn)> LocalResources(TemplateValues template)
    {
        var local = new List<(string, string, string)>();
        foreach (var id in template.OfType("AWS::S3::Bucket"))
        {
            local.Add(($"arn:aws:s3:::{PipelineDefinition.ResolveRef(id, template.Resources)}", id, template.Arn(id)));
        }

        foreach (var id in template.OfType("AWS::DynamoDB::Table"))
        {
            local.Add(($"arn:aws:dynamodb:{IamAuthorizations.Region}:{LocalAwsServer.AccountId}:table/{PipelineDefinition.ResolveRef(id, template.Resources)}", id, template.Arn(id)));
        }

        foreach (var id in template.OfType("AWS::SQS::Queue"))
        {
            local.Add(($"arn:aws:sqs:{IamAuthorizations.Region}:{LocalAwsServer.AccountId}:{id}", id, template.Arn(id)));
        }

        return local;
    }

    private static (string Id, string Arn) InTemplate(List<(string LocalArn, string Id, string TemplateArn)> resources, string localArn)
    {
        foreach (var (prefix, id, templateArn) in resources)
        {
            if (localArn == prefix)
            {
                return (id, templateArn);
            }

            if (localArn.StartsWith(prefix + "/", StringComparison.Ordinal))
            {
                return (id, templateArn + localArn[prefix.Length..]);
            }
        }

        throw new InvalidOperationException($"A role called {localArn}, which is none of the template's resources.");
    }

    /// <summary>One line per call: role, action, resource and verdict.</summary>
    public static string Describe(CallVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        return $"{verdict.Verdict,-17} {verdict.Call.Role} {verdict.Call.Action} {verdict.Call.Resource}";
    }

    /// <summary>One line per grant: role, action, resource and whether it is used or why AWS needs it.</summary>
    public static string Describe(Grant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var resource = grant.Resource is JsonValue value ? (string?)value : grant.Resource.ToJsonString();
        return $"{(grant.Used ? "used" : grant.Reason is null ? "NEVER USED" : "AWS only"),-10} {grant.Role} {grant.Action} {resource}{(grant.Reason is null ? "" : " -- " + grant.Reason)}";
    }
}
