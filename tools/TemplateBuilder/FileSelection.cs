namespace ReferenceArchitectures.Tools.TemplateBuilder;

/// <summary>
/// Chooses the files of one pattern's template from the patterns' manifests alone; what a file says never decides
/// where it goes:
/// <list type="number">
/// <item>the projects are the CDK app, its tests and the projects the pattern's manifest lists;</item>
/// <item>in those projects, a file or folder that some manifest names (its <c>cdk</c>, <c>cdkTests</c> and
/// <c>sharedProjectFiles</c> lists) goes only to the patterns whose manifests name it;</item>
/// <item>every other file goes to every pattern that takes its project: Program.cs, the settings readers, test
/// helpers that all patterns use.</item>
/// </list>
/// </summary>
public static class FileSelection
{
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal) { "bin", "obj", "TestResults", "node_modules", "cdk.out" };

    /// <summary>The CDK app, its tests and the projects the manifest lists.</summary>
    public static IReadOnlyList<string> Projects(PatternManifest pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return [.. new[] { PatternCatalog.CdkProject, PatternCatalog.CdkTestsProject }.Concat(pattern.Projects.All).Distinct(StringComparer.Ordinal)];
    }

    /// <param name="patterns">Every pattern's manifest: a file one of them names is left out of the others.</param>
    /// <returns>Root-relative file paths with forward slashes, sorted.</returns>
    /// <exception cref="InvalidOperationException">A project the pattern takes references one its manifest does not list.</exception>
    public static IReadOnlyList<string> Select(string root, PatternManifest pattern, IReadOnlyList<PatternManifest> patterns)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var projects = Projects(pattern);
        RequireEveryReferenceListed(root, pattern, projects);

        var projectFolders = projects.Select(p => Path.GetDirectoryName(p)!.Replace('\\', '/')).ToHashSet(StringComparer.Ordinal);
        var selected = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in projectFolders.SelectMany(folder => FilesOf(root, folder, projectFolders)))
        {
            if (pattern.ClaimsFile(file) || !patterns.Any(other => other.ClaimsFile(file)))
            {
                selected.Add(file);
            }
        }

        return [.. selected];
    }

    // A project the manifest forgot would leave the generated solution unable to build; say which, instead.
    private static void RequireEveryReferenceListed(string root, PatternManifest pattern, IReadOnlyList<string> projects)
    {
        var missing = ProjectGraph.Closure(root, projects).Except(projects, StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"{pattern.Source} does not list {string.Join(", ", missing)}, which its projects reference; add it under \"projects\".");
        }
    }

    private static IEnumerable<string> FilesOf(string root, string folder, IReadOnlySet<string> projectFolders)
    {
        var pending = new Stack<string>([folder]);
        while (pending.TryPop(out var current))
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, current)).Order(StringComparer.Ordinal))
            {
                yield return Path.GetRelativePath(root, file).Replace('\\', '/');
            }

            foreach (var directory in Directory.EnumerateDirectories(Path.Combine(root, current)))
            {
                var relative = Path.GetRelativePath(root, directory).Replace('\\', '/');
                var name = Path.GetFileName(directory);
                // Another project's folder is its own; hidden and build folders are never part of a template.
                if (!SkippedFolders.Contains(name) && !name.StartsWith('.') && !projectFolders.Contains(relative)
                    && !Directory.EnumerateFiles(directory, "*.csproj").Any())
                {
                    pending.Push(relative);
                }
            }
        }
    }
}
