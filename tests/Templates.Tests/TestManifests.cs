using ReferenceArchitectures.Tools.TemplateBuilder;

namespace ReferenceArchitectures.Templates.Tests;

/// <summary>Manifests and small repositories made up for tests of the builder's rules.</summary>
internal static class TestManifests
{
    /// <summary>A manifest with only the required fields, as if read from <c>cdk/&lt;name&gt;/pattern.json</c>.</summary>
    public static PatternManifest Named(string name, int number = 1) => new()
    {
        Number = number,
        Name = name,
        ShortName = "test-" + name.ToLowerInvariant(),
        Title = name,
        Description = "A pattern made up for a test.",
        Source = $"cdk/{name}/{PatternManifest.FileName}",
    };

    /// <summary>Writes <paramref name="text"/> to a root-relative path, creating its folders.</summary>
    public static void Write(DirectoryInfo root, string path, string text)
    {
        var full = Path.Combine(root.FullName, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    /// <summary>A project file with the given ProjectReference items (paths relative to the project's folder).</summary>
    public static string Project(params string[] references) =>
        "<Project Sdk=\"Microsoft.NET.Sdk\"><ItemGroup>"
        + string.Concat(references.Select(r => $"<ProjectReference Include=\"{r}\" />"))
        + "</ItemGroup></Project>";
}
