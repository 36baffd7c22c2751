namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>Checks shared by the props of the container patterns; each throws an ArgumentException naming the property.</summary>
public static class PropsRules
{
    public static void RequireRange(int value, int minimum, int maximum, string name)
    {
        if (value < minimum || value > maximum)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be from {minimum} to {maximum}; got {value}.");
        }
    }

    public static void RequirePositive(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number above 0; got {value}.");
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
