namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>The CPU architecture a Lambda function is compiled for and runs on (patterns 1 and 4).</summary>
public enum FunctionArchitecture
{
    X64,
    Arm64,
}
