namespace ReferenceArchitectures.Cdk.Configuration;

/// <summary>A context value (cdk.json or <c>-c key=value</c>) that cannot be used; synthesis stops.</summary>
public sealed class ContextSettingException : Exception
{
    public ContextSettingException()
    {
        Key = string.Empty;
    }

    public ContextSettingException(string message)
        : base(message)
    {
        Key = string.Empty;
    }

    public ContextSettingException(string message, Exception innerException)
        : base(message, innerException)
    {
        Key = string.Empty;
    }

    public ContextSettingException(string key, string message)
        : base($"Context setting '{key}': {message}")
    {
        Key = key;
    }

    /// <summary>The context key whose value was rejected.</summary>
    public string Key { get; }
}
