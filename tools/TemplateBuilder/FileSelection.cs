using System.Text.RegularExpressions;

namespace ReferenceArchitectures.Tools.TemplateBuilder;

/// <summary>
/// Chooses the files of one pattern's template from the projects it needs. The CDK app and its tests hold all four
/// patterns, so within every project:
/// <list type="number">
/// <item>a file or folder named after a pattern (cdk/LambdaBedrock/, LambdaBedrockStackTests.cs, Snapshots/LambdaBedrockStack.template.json) goes with that pattern only;</item>
/// <item>C# code that names patterns (ReferenceArchitectureApp.cs, CudaBuildTests.cs) goes with the patterns it names, and its
/// <c>//#if (Pattern)</c> lines let `dotnet new` drop the other patterns' parts;</item>
/// <item>in the CDK app and its tests, any other file goes only where an included file uses it (a construct, a test helper),
/// apart from test classes and entry points, which always go.</item>
/// </list>
/// </summary>
public static partial class FileSelection
{
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal) { "bin", "obj", "TestResults", "node_modules", "cdk.out" };

    /// <returns>Root-relative file paths with forward slashes, sorted.</returns>
    public static IReadOnlyList<string> Select(string root, PatternTemplate pattern, IReadOnlyList<string> projects)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var projectFolders = projects.Select(p => Path.GetDirectoryName(p)!.Replace('\\', '/')).ToHashSet(StringComparer.Ordinal);
        var selected = new SortedSet<string>(StringComparer.Ordinal);
        var neutral = new List<string>();

        foreach (var folder in projectFolders)
        {
            var usedOnlyWhereReferenced = folder is "cdk" or "tests/Cdk.Tests";
            foreach (var file in FilesOf(root, folder, projectFolders))
            {
                var owner = OwnerByName(Path.GetRelativePath(Path.Combine(root, folder), Path.Combine(root, file)));
                if (owner is not null)
                {
                    Add(owner == pattern.Pattern, file);
                    continue;
                }

                var named = file.EndsWith(".cs", StringComparison.Ordinal) ? PatternsNamedIn(File.ReadAllText(Path.Combine(root, file))) : new HashSet<string>();
                if (named.Count > 0)
                {
                    Add(named.Contains(pattern.Pattern), file);
                }
                else if (usedOnlyWhereReferenced && !IsEntryPoint(file))
                {
                    neutral.Add(file);
                }
                else
                {
                    selected.Add(file);
                }
            }
        }

        AddWhatIsUsed(root, selected, neutral);
        return [.. selected];

        void Add(bool include, string file)
        {
            if (include)
            {
                selected.Add(file);
            }
        }
    }

    /// <summary>The pattern a file belongs to by its name or a folder's name, relative to its project.</summary>
    public static string? OwnerByName(string pathInProject) =>
        pathInProject.Replace('\\', '/').Split('/')
            .Select(segment => PatternCatalog.PatternNames.FirstOrDefault(name => segment.StartsWith(name, StringComparison.Ordinal)))
            .FirstOrDefault(name => name is not null);

    public static IReadOnlySet<string> PatternsNamedIn(string text) =>
        PatternCatalog.PatternNames.Where(name => text.Contains(name, StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);

    private static bool IsEntryPoint(string file)
    {
        var name = Path.GetFileNameWithoutExtension(file);
        return file.EndsWith(".csproj", StringComparison.Ordinal)
            || name is "Program" or "AssemblyInfo"
            || (file.EndsWith(".cs", StringComparison.Ordinal) && name.EndsWith("Tests", StringComparison.Ordinal));
    }

    // A neutral file is used when an included file names it: its type (ServiceNetwork), its file (check-templates) or its folder.
    private static void AddWhatIsUsed(string root, SortedSet<string> selected, List<string> neutral)
    {
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        bool added;
        do
        {
            added = false;
            foreach (var file in neutral.Where(f => !selected.Contains(f)).ToList())
            {
                // C# files by their type's name; other files (a Dockerfile, a script) by the folder that holds them.
                var isCode = file.EndsWith(".cs", StringComparison.Ordinal);
                var name = isCode ? Path.GetFileNameWithoutExtension(file) : Path.GetFileName(Path.GetDirectoryName(file)!);
                var used = selected.Where(s => s != file && IsText(s)).Any(s =>
                {
                    var text = texts.TryGetValue(s, out var t) ? t : texts[s] = File.ReadAllText(Path.Combine(root, s));
                    return isCode ? Word(name).IsMatch(text) : text.Contains(name, StringComparison.Ordinal);
                });
                if (used)
                {
                    selected.Add(file);
                    added = true;
                }
            }
        }
        while (added);
    }

    private static bool IsText(string file) =>
        Path.GetExtension(file) is ".cs" or ".csproj" or ".json" or ".mjs" or ".props" or ".md" or "" or ".dockerignore" or ".gpu";

    private static Regex Word(string name) => new($@"\b{Regex.Escape(name)}\b", RegexOptions.CultureInvariant);

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
