namespace ReferenceArchitectures.Tools.Advisor;

/// <summary>Input the advisor cannot use: a bad option, unit, profile file, price file or region. The message says what to fix.</summary>
public sealed class AdvisorInputException : Exception
{
    public AdvisorInputException(string message)
        : base(message)
    {
    }

    public AdvisorInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AdvisorInputException()
    {
    }
}
