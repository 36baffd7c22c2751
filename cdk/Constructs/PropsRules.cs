namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>
/// The checks the patterns' props share. Each throws an <see cref="ArgumentException"/> whose ParamName is the property at
/// fault and whose message names it, so that a C# caller and a context setting get the same words (the context reader
/// adds the setting's key). The props' <c>Validate</c> methods, which call these, hold the only bounds: context settings
/// are parsed into types and then checked by the same <c>Validate</c> a C# caller meets.
/// </summary>
public static class PropsRules
{
    /// <summary>Lambda's memory limits (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).</summary>
    public const int MinFunctionMemorySizeMb = 128;
    public const int MaxFunctionMemorySizeMb = 10_240;

    /// <summary>Lambda's longest timeout (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html).</summary>
    public const int MaxFunctionTimeoutSeconds = 900;

    /// <param name="maximum"><see cref="int.MaxValue"/> for no upper bound.</param>
    public static void RequireRange(int value, int minimum, int maximum, string name) =>
        RequireRange((long)value, minimum, maximum == int.MaxValue ? long.MaxValue : maximum, name);

    /// <param name="maximum"><see cref="long.MaxValue"/> for no upper bound.</param>
    public static void RequireRange(long value, long minimum, long maximum, string name)
    {
        if (value < minimum || value > maximum)
        {
            var range = maximum == long.MaxValue ? $"at least {minimum}" : $"from {minimum} to {maximum}";
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be {range}; got {value}.");
        }
    }

    public static void RequirePositive(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number above 0; got {value}.");
        }
    }

    public static void RequireFunctionMemory(int memorySizeMb, string name) =>
        RequireRange(memorySizeMb, MinFunctionMemorySizeMb, MaxFunctionMemorySizeMb, name);

    public static void RequireFunctionTimeout(int timeoutSeconds, string name) =>
        RequireRange(timeoutSeconds, 1, MaxFunctionTimeoutSeconds, name);

    /// <summary>
    /// Runs a check that lives with what it checks (a parser that throws <see cref="ArgumentException"/>, such as a model
    /// id's) and reports its failure as the property <paramref name="name"/>'s.
    /// </summary>
    public static void RequireAccepted(Action check, string name)
    {
        ArgumentNullException.ThrowIfNull(check);
        try
        {
            check();
        }
        catch (ArgumentException error) when (error.ParamName != name)
        {
            throw new ArgumentException(error.Message, name, error);
        }
    }

    public static void RequireRegionNames(IReadOnlyList<string>? regions, string name)
    {
        if (regions?.Any(region => string.IsNullOrWhiteSpace(region) || region.Any(char.IsWhiteSpace)) == true)
        {
            throw new ArgumentException($"{name} must hold Region names such as us-east-1.", name);
        }
    }

    public static void RequireCertificateArn(string? arn, string name)
    {
        if (arn is not null && !(arn.StartsWith("arn:", StringComparison.Ordinal) && arn.Contains(":acm:", StringComparison.Ordinal) && arn.Contains(":certificate/", StringComparison.Ordinal)))
        {
            throw new ArgumentException($"{name} must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>); got '{arn}'.", name);
        }
    }

    public static void RequireEmail(string? email, string name)
    {
        if (email is not null && (email.Length < 3 || !email.Contains('@', StringComparison.Ordinal) || email.Any(char.IsWhiteSpace)))
        {
            throw new ArgumentException($"{name} must be an e-mail address; got '{email}'.", name);
        }
    }

    public static void RequirePath(string path, string name)
    {
        if (string.IsNullOrWhiteSpace(path) || !path.StartsWith('/') || path.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"{name} must be an absolute URL path such as /health/ready; got '{path}'.", name);
        }
    }
}
