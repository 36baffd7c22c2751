using System.Xml.Linq;

namespace ReferenceArchitectures.Tools.TemplateBuilder;

/// <summary>Which projects a set of projects needs, following ProjectReference items.</summary>
public static class ProjectGraph
{
    /// <returns>Root-relative project paths with forward slashes, in the order first reached.</returns>
    /// <exception cref="FileNotFoundException">A project, or a project it references, does not exist.</exception>
    public static IReadOnlyList<string> Closure(string root, IEnumerable<string> projects)
    {
        var found = new List<string>();
        var pending = new Queue<string>(projects);
        while (pending.TryDequeue(out var project))
        {
            if (found.Contains(project, StringComparer.Ordinal))
            {
                continue;
            }

            var path = Path.Combine(root, project);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"The template needs {project}, which does not exist.", path);
            }

            found.Add(project);
            foreach (var reference in References(path))
            {
                var full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, reference));
                pending.Enqueue(Path.GetRelativePath(root, full).Replace('\\', '/'));
            }
        }

        return found;
    }

    /// <summary>The package names a project file references.</summary>
    public static IEnumerable<string> PackageReferences(string projectPath) =>
        XDocument.Load(projectPath).Descendants("PackageReference")
            .Select(item => (string?)item.Attribute("Include"))
            .OfType<string>();

    private static IEnumerable<string> References(string projectPath) =>
        XDocument.Load(projectPath).Descendants("ProjectReference")
            .Select(item => (string?)item.Attribute("Include"))
            .OfType<string>()
            .Select(include => include.Replace('\\', '/'));
}
