using System.Text.Json.Nodes;

namespace ReferenceArchitectures.Testing.Iam;

/// <summary>
/// One call a local run made, as IAM would see it in AWS: the role whose credentials signed it (its logical id), the
/// action, the resource (its logical id, null for one outside the template such as a Bedrock model, and its ARN in the
/// deployed stack) and the request context.
/// </summary>
public sealed record RecordedCall(string Role, string Action, string? ResourceId, string Resource, IReadOnlyDictionary<string, string[]> Context, string Operation);

/// <summary>A recorded call and what IAM's evaluation makes of it.</summary>
public sealed record CallVerdict(RecordedCall Call, Verdict Verdict);

/// <summary>One action an Allow statement of a role grants, and why it is there if no recorded call used it.</summary>
/// <param name="Reason">Null when no recorded call used the grant and no reason says why AWS needs it.</param>
public sealed record Grant(string Role, string Action, JsonNode Resource, bool Used, string? Reason);

/// <summary>
/// Least privilege both ways, for the roles whose code the local runs execute: every recorded call is evaluated against
/// the role's identity policies and the resource's own policy with <see cref="PolicyEvaluator"/> (so every call must
/// be allowed), and every action an Allow statement grants must be used by some call that statement allows, or carry a
/// reason why only AWS uses it (the Lambda service writing logs and traces with the function's role, Step Functions
/// calling the services of its Task states, which the service-edge tests evaluate).
/// </summary>
public sealed class CallAudit(TemplateValues template)
{
    public TemplateValues Template { get; } = template;

    public CallVerdict Evaluate(RecordedCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return new CallVerdict(call, PolicyEvaluator.Evaluate(Request(call), TemplatePolicies.OfRole(Template, call.Role), call.ResourceId is null ? [] : TemplatePolicies.OfResource(Template, call.ResourceId)));
    }

    /// <summary>Every action each Allow statement of <paramref name="role"/> grants, marked used or given its reason.</summary>
    /// <param name="reasons">Why AWS needs an action no local run calls, by action name (wildcards allowed).</param>
    /// <exception cref="NotSupportedException">A statement uses NotAction, which cannot be listed as grants.</exception>
    public IReadOnlyList<Grant> Grants(string role, IEnumerable<RecordedCall> calls, IReadOnlyDictionary<string, string> reasons)
    {
        ArgumentNullException.ThrowIfNull(reasons);
        var own = calls.Where(call => call.Role == role).ToList();
        var grants = new List<Grant>();
        foreach (var statement in TemplatePolicies.OfRole(Template, role).SelectMany(PolicyEvaluator.Statements).Where(s => !PolicyEvaluator.IsDeny(s)))
        {
            if (statement["NotAction"] is not null)
            {
                throw new NotSupportedException($"{role} has an Allow with NotAction: list what it grants before auditing it.");
            }

            foreach (var action in PolicyEvaluator.Values(statement["Action"]))
            {
                var used = own.Any(call => PolicyEvaluator.ActionMatches(action, call.Action)
                    && PolicyEvaluator.Applies(statement, Request(call) with { Action = call.Action }, resourcePolicy: false));
                var reason = used ? null : reasons.FirstOrDefault(r => PolicyEvaluator.ActionMatches(r.Key, action)).Value;
                grants.Add(new Grant(role, action, statement["Resource"]?.DeepClone() ?? JsonValue.Create("(NotResource)"), used, reason));
            }
        }

        return grants;
    }

    private AccessRequest Request(RecordedCall call) =>
        new(RequestPrincipal.ForRole(Template.Arn(call.Role)), call.Action, call.Resource, call.Context);
}
