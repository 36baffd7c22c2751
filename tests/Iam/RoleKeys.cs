namespace ReferenceArchitectures.Testing.Iam;

/// <summary>
/// Credentials per role of a template, as Lambda and ECS hand each function and task its role's session: the access
/// key id names the role's logical id, so that every request a local endpoint records can be evaluated as that role.
/// </summary>
public static class RoleKeys
{
    private const string Prefix = "LOCALROLE";

    public static (string AccessKeyId, string SecretAccessKey) For(string roleLogicalId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(roleLogicalId);
        return (Prefix + roleLogicalId, "local/role/secret/" + roleLogicalId);
    }

    /// <summary>The role whose credentials signed a request, or null for credentials that are no role's.</summary>
    public static string? RoleOf(string? accessKeyId) =>
        accessKeyId is not null && accessKeyId.StartsWith(Prefix, StringComparison.Ordinal) ? accessKeyId[Prefix.Length..] : null;
}
