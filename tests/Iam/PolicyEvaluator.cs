using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ReferenceArchitectures.Testing.Iam;

/// <summary>Who makes a request: a role or user (by ARN, in an account), or an AWS service acting on its own.</summary>
public sealed record RequestPrincipal(string? Arn = null, string? Account = null, string? Service = null)
{
    public static RequestPrincipal ForService(string service) => new(Service: service);

    public static RequestPrincipal ForRole(string roleArn) => new(Arn: roleArn, Account: roleArn.Split(':')[4]);
}

/// <summary>One request as IAM sees it: principal, action, resource and the request context that conditions test.</summary>
public sealed record AccessRequest(RequestPrincipal Principal, string Action, string Resource, IReadOnlyDictionary<string, string[]> Context)
{
    /// <summary>The context value of a key, whose name IAM compares without regard to case.</summary>
    public string[]? Value(string key) =>
        Context.FirstOrDefault(entry => string.Equals(entry.Key, key, StringComparison.OrdinalIgnoreCase)).Value;
}

public enum Verdict
{
    Allowed,
    ImplicitlyDenied,
    ExplicitlyDenied,
}

/// <summary>How a resource's own policy combines with the caller's identity policies.</summary>
public enum ResourcePolicyKind
{
    /// <summary>Bucket, topic, queue, function, state machine: in one account, either policy can allow.</summary>
    Ordinary,

    /// <summary>
    /// A KMS key policy: no principal, not even the account's own, gets access unless the key policy allows it; identity
    /// policies count only where the key policy allows the account (its root principal)
    /// (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam).
    /// </summary>
    KmsKey,
}

/// <summary>
/// Evaluates a request against identity and resource-based policies for principals and resources in one account, following
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html: an explicit Deny in any policy
/// wins; otherwise an Allow in the identity policies or in the resource policy allows (for KMS keys, see
/// <see cref="ResourcePolicyKind.KmsKey"/>); otherwise the request is implicitly denied. A service principal has no identity
/// policies, so only a resource policy can allow it. Service control policies, permissions boundaries and session policies
/// are not used by these stacks and are not modelled.
/// </summary>
public static class PolicyEvaluator
{
    public static Verdict Evaluate(
        AccessRequest request,
        IEnumerable<JsonNode> identityPolicies,
        IEnumerable<JsonNode> resourcePolicies,
        ResourcePolicyKind kind = ResourcePolicyKind.Ordinary,
        string? resourceAccount = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var identity = request.Principal.Service is null ? identityPolicies.SelectMany(Statements).ToList() : [];
        var resource = resourcePolicies.SelectMany(Statements).ToList();

        var identityMatches = identity.Where(s => Applies(s, request, resourcePolicy: false)).ToList();
        var resourceMatches = resource.Where(s => Applies(s, request, resourcePolicy: true)).ToList();
        if (identityMatches.Concat(resourceMatches).Any(IsDeny))
        {
            return Verdict.ExplicitlyDenied;
        }

        var allowedByIdentity = identityMatches.Any(s => !IsDeny(s));
        var allowedByResource = resourceMatches.Any(s => !IsDeny(s));
        return kind switch
        {
            ResourcePolicyKind.KmsKey when allowedByResource => Verdict.Allowed,
            ResourcePolicyKind.KmsKey when allowedByIdentity && KeyPolicyEnablesIam(resource, request, resourceAccount) => Verdict.Allowed,
            ResourcePolicyKind.Ordinary when allowedByIdentity || allowedByResource => Verdict.Allowed,
            _ => Verdict.ImplicitlyDenied,
        };
    }

    /// <summary>Whether a statement matches the request: principal (resource policies only), action, resource, condition.</summary>
    public static bool Applies(JsonObject statement, AccessRequest request, bool resourcePolicy)
    {
        ArgumentNullException.ThrowIfNull(statement);
        ArgumentNullException.ThrowIfNull(request);
        if (resourcePolicy && !PrincipalMatches(statement, request.Principal))
        {
            return false;
        }

        return Matches(statement, "Action", "NotAction", request.Action, ActionMatches)
            && Matches(statement, "Resource", "NotResource", request.Resource, (pattern, value) => Wildcard(pattern, value, ignoreCase: false))
            && Conditions.Hold(statement["Condition"] as JsonObject, request);
    }

    public static IEnumerable<JsonObject> Statements(JsonNode policy) => policy["Statement"] switch
    {
        JsonArray statements => statements.Select(s => s!.AsObject()),
        JsonObject single => [single],
        _ => [],
    };

    public static bool IsDeny(JsonObject statement) => (string?)statement["Effect"] == "Deny";

    /// <summary>Action names compare without regard to case (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).</summary>
    public static bool ActionMatches(string pattern, string action) => Wildcard(pattern, action, ignoreCase: true);

    /// <summary><c>*</c> matches any run of characters and <c>?</c> any one character, in actions and resources.</summary>
    public static bool Wildcard(string pattern, string value, bool ignoreCase) =>
        Regex.IsMatch(value, "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None) | RegexOptions.Singleline | RegexOptions.CultureInvariant);

    private static bool Matches(JsonObject statement, string positive, string negative, string value, Func<string, string, bool> match)
    {
        if (statement[positive] is { } listed)
        {
            return Values(listed).Any(pattern => match(pattern, value));
        }

        if (statement[negative] is { } excluded)
        {
            return !Values(excluded).Any(pattern => match(pattern, value));
        }

        // Identity policies need Resource; resource-based policies may leave it out and mean the resource itself.
        return positive == "Resource";
    }

    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html: "*" and {"AWS": "*"}
    // mean every principal; an account id or its root ARN means every principal of that account (roles and users, not
    // AWS services); a role ARN means that role; {"Service": ...} means that service.
    private static bool PrincipalMatches(JsonObject statement, RequestPrincipal principal)
    {
        if (statement["NotPrincipal"] is not null)
        {
            throw new NotSupportedException("NotPrincipal is not used by these stacks and is not evaluated here.");
        }

        return statement["Principal"] switch
        {
            JsonValue any when (string?)any == "*" => true,
            JsonObject principals => principals.Any(entry => Values(entry.Value).Any(value => entry.Key switch
            {
                "AWS" => value == "*" || (principal.Service is null && AwsPrincipalMatches(value, principal)),
                "Service" => principal.Service is not null && string.Equals(value, principal.Service, StringComparison.OrdinalIgnoreCase),
                _ => false,
            })),
            _ => false,
        };
    }

    private static bool AwsPrincipalMatches(string value, RequestPrincipal principal)
    {
        if (Regex.IsMatch(value, @"^\d{12}$"))
        {
            return value == principal.Account;
        }

        var parts = value.Split(':');
        if (parts.Length == 6 && parts[5] == "root")
        {
            return parts[4] == principal.Account;
        }

        return value == principal.Arn;
    }

    private static bool KeyPolicyEnablesIam(IEnumerable<JsonObject> keyPolicy, AccessRequest request, string? account)
    {
        var root = request with { Principal = new RequestPrincipal(Arn: $"arn:aws:iam::{account ?? request.Principal.Account}:root", Account: account ?? request.Principal.Account) };
        return keyPolicy.Any(s => !IsDeny(s) && Applies(s, root, resourcePolicy: true));
    }

    public static IReadOnlyList<string> Values(JsonNode? node) => node switch
    {
        null => [],
        JsonArray array => [.. array.Select(item => item!.ToString())],
        _ => [node.ToString()],
    };
}

/// <summary>
/// The condition block, as https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
/// and https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
/// define it: every operator and every key in the block must hold (AND); a key holds when the request's value matches any of
/// the policy's values (OR), and for negated operators when it matches none. A key missing from the request makes a
/// positive operator false and a negated one true; <c>...IfExists</c> makes it true; <c>Null</c> tests presence.
/// <c>ForAnyValue:</c> needs one request value to match (false when there are none); <c>ForAllValues:</c> needs every request
/// value to match (true when there are none). Key names compare without regard to case, string values with regard to it.
/// </summary>
public static class Conditions
{
    public static bool Hold(JsonObject? block, AccessRequest request)
    {
        if (block is null)
        {
            return true;
        }

        foreach (var (operatorName, keys) in block)
        {
            foreach (var (key, expected) in keys!.AsObject())
            {
                if (!Holds(operatorName, key, PolicyEvaluator.Values(expected), request.Value(key)))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool Holds(string operatorName, string key, IReadOnlyList<string> expected, string[]? actual)
    {
        var name = operatorName;
        var set = name.StartsWith("ForAnyValue:", StringComparison.Ordinal) ? "any" : name.StartsWith("ForAllValues:", StringComparison.Ordinal) ? "all" : null;
        if (set is not null)
        {
            name = name[(name.IndexOf(':', StringComparison.Ordinal) + 1)..];
        }

        var ifExists = name.EndsWith("IfExists", StringComparison.Ordinal);
        if (ifExists)
        {
            name = name[..^"IfExists".Length];
        }

        if (name == "Null")
        {
            var absent = actual is null || actual.Length == 0;
            return expected.All(value => bool.Parse(value) == absent);
        }

        var negated = name.Contains("Not", StringComparison.Ordinal);
        var match = Operator(name, key);
        switch (set)
        {
            case "any":
                return actual is { Length: > 0 } && actual.Any(value => expected.Any(e => match(e, value)) != negated);
            case "all":
                return actual is null || actual.All(value => expected.Any(e => match(e, value)) != negated);
        }

        if (actual is null || actual.Length == 0)
        {
            return ifExists || negated;
        }

        var any = actual.Any(value => expected.Any(e => match(e, value)));
        return negated ? !any : any;
    }

    private static Func<string, string, bool> Operator(string name, string key) => name switch
    {
        "StringEquals" or "StringNotEquals" => (e, v) => string.Equals(e, v, StringComparison.Ordinal),
        "StringEqualsIgnoreCase" or "StringNotEqualsIgnoreCase" => (e, v) => string.Equals(e, v, StringComparison.OrdinalIgnoreCase),
        "StringLike" or "StringNotLike" => (e, v) => PolicyEvaluator.Wildcard(e, v, ignoreCase: false),
        "ArnEquals" or "ArnLike" or "ArnNotEquals" or "ArnNotLike" => ArnMatches,
        "Bool" => (e, v) => string.Equals(e, v, StringComparison.OrdinalIgnoreCase),
        "NumericEquals" or "NumericNotEquals" => (e, v) => Number(v) == Number(e),
        "NumericLessThan" => (e, v) => Number(v) < Number(e),
        "NumericLessThanEquals" => (e, v) => Number(v) <= Number(e),
        "NumericGreaterThan" => (e, v) => Number(v) > Number(e),
        "NumericGreaterThanEquals" => (e, v) => Number(v) >= Number(e),
        "IpAddress" or "NotIpAddress" => InRange,
        _ => throw new NotSupportedException($"The condition operator {name} (key {key}) is not evaluated here; add it with its documented rule."),
    };

    // ARNs match part by part, split at the first five colons, each part with * and ? wildcards.
    private static bool ArnMatches(string pattern, string value)
    {
        var expected = pattern.Split(':', 6);
        var actual = value.Split(':', 6);
        return expected.Length == 6 && actual.Length == 6
            && expected.Zip(actual).All(pair => PolicyEvaluator.Wildcard(pair.First, pair.Second, ignoreCase: false));
    }

    private static decimal Number(string text) => decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static bool InRange(string cidr, string address)
    {
        var network = IPNetwork.Parse(cidr.Contains('/', StringComparison.Ordinal) ? cidr : cidr + "/32");
        return network.Contains(IPAddress.Parse(address));
    }
}
