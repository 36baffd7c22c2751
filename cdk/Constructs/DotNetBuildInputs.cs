using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>
/// The files a <c>dotnet publish</c> of one project reads from the repository: every file in the folders of the project
/// and of the projects it references (followed transitively), and the build files at the root that every project
/// imports. Their hash names a function's code asset, so an edit anywhere else (a stack under <c>cdk/</c>, a test, the
/// README) leaves the asset, and its Native AOT build, as they were.
/// </summary>
public static class DotNetBuildInputs
{
    // MSBuild imports these from the root for every project (Directory.Build.*, central package versions), and restore
    // reads global.json and nuget.config.
    private static readonly string[] RootFiles =
        ["Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json", "nuget.config", "NuGet.Config"];

    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal) { "bin", "obj", "TestResults" };

    /// <summary>The project file and every project it references, directly or not, as full paths.</summary>
    public static IReadOnlyList<string> ProjectClosure(string projectFile)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.GetFullPath(projectFile)]);
        while (pending.TryPop(out var project))
        {
            if (!seen.Add(project))
            {
                continue;
            }

            var folder = Path.GetDirectoryName(project)!;
            foreach (var reference in XDocument.Load(project).Descendants("ProjectReference"))
            {
                var include = (string?)reference.Attribute("Include") ?? throw new InvalidOperationException($"{project} has a ProjectReference without Include.");
                pending.Push(Path.GetFullPath(Path.Combine(folder, include.Replace('\\', Path.DirectorySeparatorChar))));
            }
        }

        return [.. seen];
    }

    /// <summary>The input files of a publish of <paramref name="projectFile"/>, relative to <paramref name="root"/>, sorted.</summary>
    public static IReadOnlyList<string> Files(string root, string projectFile)
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var project in ProjectClosure(projectFile))
        {
            AddFolder(Path.GetDirectoryName(project)!, isProjectFolder: true);
        }

        foreach (var name in RootFiles.Where(name => File.Exists(Path.Combine(root, name))))
        {
            files.Add(name);
        }

        return [.. files];

        void AddFolder(string folder, bool isProjectFolder)
        {
            // A folder below a project that holds a project of its own belongs to that project, not this one.
            if (!isProjectFolder && Directory.EnumerateFiles(folder, "*.csproj").Any())
            {
                return;
            }

            foreach (var file in Directory.EnumerateFiles(folder))
            {
                files.Add(Path.GetRelativePath(root, file).Replace('\\', '/'));
            }

            foreach (var child in Directory.EnumerateDirectories(folder))
            {
                var name = Path.GetFileName(child);
                if (!SkippedFolders.Contains(name) && !name.StartsWith('.'))
                {
                    AddFolder(child, isProjectFolder: false);
                }
            }
        }
    }

    /// <summary>
    /// A SHA-256 over the input files' paths and contents and <paramref name="buildDescription"/> (what is built and
    /// how: runtime identifier, properties, SDK), as lower-case hex.
    /// </summary>
    public static string Hash(string root, string projectFile, string buildDescription)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(buildDescription + "\n"));
        foreach (var file in Files(root, projectFile))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(file + "\n"));
            var content = File.ReadAllBytes(Path.Combine(root, file));
            hash.AppendData(BitConverter.GetBytes((long)content.Length));
            hash.AppendData(content);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
