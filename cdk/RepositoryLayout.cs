namespace ReferenceArchitectures.Cdk;

/// <summary>Locates the repository so that asset paths never depend on the current directory.</summary>
public static class RepositoryLayout
{
    private const string SolutionFileName = "ReferenceArchitectures.sln";

    private static readonly Lazy<string> RootDirectory = new(FindRoot);

    /// <summary>The folder holding ReferenceArchitectures.sln.</summary>
    public static string Root => RootDirectory.Value;

    /// <summary>An absolute path for a path given relative to the repository root.</summary>
    public static string PathFromRoot(string relativePath) =>
        Path.GetFullPath(Path.Combine(Root, relativePath));

    private static string FindRoot()
    {
        // The app runs from cdk/bin/... under `cdk synth` and from tests/*/bin/... under `dotnet test`;
        // both sit below the solution folder.
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SolutionFileName)))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException(
            $"Could not find {SolutionFileName} in any folder above {AppContext.BaseDirectory}; run the CDK app from a clone of the repository.");
    }
}
