using System.Text.RegularExpressions;
using ReferenceArchitectures.Cdk;
using ReferenceArchitectures.Tools.TemplateBuilder;

namespace ReferenceArchitectures.Templates.Tests;

/// <summary>
/// The manifests (cdk/&lt;Pattern&gt;/pattern.json) agree with the code. The builder takes their word for which files
/// are a pattern's; these tests read the files to check that word, so a manifest that forgot a file or a building
/// block fails here in seconds rather than in a generated project's build.
/// </summary>
public sealed partial class PatternManifestTests
{
    private static readonly string Root = RepositoryLayout.Root;

    // The projects that hold every pattern at once; the other projects belong to patterns whole.
    private static readonly string[] SharedProjectFolders = ["cdk", "tests/Cdk.Tests"];

    public static TheoryData<string> Patterns() => [.. PatternCatalog.All.Select(p => p.Pattern)];

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Every_path_a_manifest_names_exists(string name)
    {
        var manifest = PatternCatalog.Find(name).Manifest;

        var missing = manifest.Paths.Distinct(StringComparer.Ordinal)
            .Where(path => !File.Exists(Path.Combine(Root, path)) && !Directory.Exists(Path.Combine(Root, path)))
            .ToList();

        Assert.True(missing.Count == 0, $"{manifest.Source} names paths that do not exist: {string.Join(", ", missing)}");
        Assert.All(manifest.Projects.All, project => Assert.EndsWith(".csproj", project, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_file_named_after_a_pattern_in_the_cdk_app_and_its_tests_is_that_patterns_alone()
    {
        var manifests = PatternCatalog.All.Select(p => p.Manifest).ToList();
        var named = SharedProjectFolders.SelectMany(Files)
            .Select(file => (File: file, Owner: OwnerByName(file)))
            .Where(f => f.Owner is not null)
            .ToList();

        Assert.NotEmpty(named);
        Assert.All(named, f =>
        {
            var claimants = manifests.Where(m => m.ClaimsFile(f.File)).Select(m => m.Name).ToList();
            Assert.True(claimants.SequenceEqual([f.Owner!]), $"{f.File} is named after {f.Owner}, but is claimed by [{string.Join(", ", claimants)}]: list it in cdk/{f.Owner}/{PatternManifest.FileName} only.");
        });
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Every_building_block_a_template_uses_is_in_it(string name)
    {
        var template = Template(name);

        var missing = BuildingBlocks()
            .Where(block => !template.Files.Contains(block))
            .SelectMany(block => template.UsersOf(block).Select(user => $"{user} uses {TypeName(block)} ({block})"))
            .ToList();

        Assert.True(missing.Count == 0, $"cdk/{name}/{PatternManifest.FileName} leaves out what its files use: {string.Join("; ", missing)}");
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void A_manifest_names_only_building_blocks_its_template_uses(string name)
    {
        var template = Template(name);
        var manifest = PatternCatalog.Find(name).Manifest;

        var unused = BuildingBlocks()
            .Where(block => manifest.ClaimsFile(block) && !template.UsersOf(block).Any())
            .ToList();

        Assert.True(unused.Count == 0, $"{manifest.Source} names building blocks that nothing in its template uses: {string.Join(", ", unused)}");
    }

    // A file no manifest names goes to every template; one that only some patterns use would carry their code into
    // the others' projects. Entry points are used by no other file.
    [Theory]
    [MemberData(nameof(Patterns))]
    public void Every_building_block_no_manifest_names_is_used_by_the_template(string name)
    {
        var template = Template(name);

        var unused = BuildingBlocks(claimed: false)
            .Where(block => Path.GetFileName(block) is not ("Program.cs" or "AssemblyInfo.cs") && !template.UsersOf(block).Any())
            .ToList();

        Assert.True(unused.Count == 0, $"No manifest names {string.Join(", ", unused)}, so they go to every template, but nothing in {name}'s uses them: list them in the manifests of the patterns that do.");
    }

    [Fact]
    public void A_manifest_in_another_patterns_folder_is_refused()
    {
        var root = Directory.CreateTempSubdirectory("manifest-");
        try
        {
            TestManifests.Write(root, "cdk/Beta/pattern.json", """{ "number": 1, "name": "Alpha", "shortName": "a", "title": "A", "description": "A" }""");

            var error = Assert.Throws<InvalidOperationException>(() => PatternManifest.ReadAll(root.FullName));

            Assert.Contains("cdk/Beta/pattern.json describes pattern 'Alpha'", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_misspelt_key_is_refused_rather_than_ignored()
    {
        var root = Directory.CreateTempSubdirectory("manifest-");
        try
        {
            TestManifests.Write(root, "cdk/Alpha/pattern.json",
                """{ "number": 1, "name": "Alpha", "shortName": "a", "title": "A", "description": "A", "cdkTest": ["tests/Cdk.Tests/AlphaStackTests.cs"] }""");

            var error = Assert.Throws<InvalidOperationException>(() => PatternManifest.ReadAll(root.FullName));

            Assert.Contains("cdkTest", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    // The pattern a file is named after, by the file's name or a folder's, inside its project: cdk/LambdaBedrock/...,
    // tests/Cdk.Tests/LambdaBedrockStackTests.cs, tests/Cdk.Tests/Snapshots/LambdaBedrockStack.template.json.
    private static string? OwnerByName(string file)
    {
        var project = SharedProjectFolders.First(folder => file.StartsWith(folder + "/", StringComparison.Ordinal));
        return file[(project.Length + 1)..].Split('/')
            .Select(segment => PatternCatalog.PatternNames.FirstOrDefault(name => segment.StartsWith(name, StringComparison.Ordinal)))
            .FirstOrDefault(name => name is not null);
    }

    // C# files of the CDK app and its tests that are no pattern's own: constructs and test helpers, either named by
    // the manifests of the patterns that share them (claimed) or by none (they go to all). Test classes are left out:
    // nothing refers to them.
    private static List<string> BuildingBlocks(bool claimed = true)
    {
        var manifests = PatternCatalog.All.Select(p => p.Manifest).ToList();
        return [.. SharedProjectFolders.SelectMany(Files)
            .Where(file => file.EndsWith(".cs", StringComparison.Ordinal) && !file.EndsWith("Tests.cs", StringComparison.Ordinal))
            .Where(file => OwnerByName(file) is null && manifests.Any(m => m.ClaimsFile(file)) == claimed)];
    }

    private static TemplateFiles Template(string name)
    {
        var pattern = PatternCatalog.Find(name);
        var files = FileSelection.Select(Root, pattern.Manifest, [.. PatternCatalog.All.Select(p => p.Manifest)]);
        var code = files.Where(file => file.EndsWith(".cs", StringComparison.Ordinal))
            .ToDictionary(file => file, file => CodeAsGenerated(File.ReadAllLines(Path.Combine(Root, file)), name), StringComparer.Ordinal);
        return new TemplateFiles([.. files], code);
    }

    // What `dotnet new` leaves of a file for this pattern, without comments: another pattern's //#if block is dropped,
    // and a type named only in a comment is not a use.
    private static string CodeAsGenerated(string[] lines, string pattern)
    {
        var kept = new List<string>();
        var dropping = false;
        foreach (var line in lines)
        {
            var trimmed = line.Trim();
            if (Condition().Match(trimmed) is { Success: true } condition)
            {
                dropping = condition.Groups[1].Value != pattern;
            }
            else if (trimmed == "//#endif")
            {
                dropping = false;
            }
            else if (!dropping && !trimmed.StartsWith("//", StringComparison.Ordinal))
            {
                kept.Add(line);
            }
        }

        return string.Join('\n', kept);
    }

    private static IEnumerable<string> Files(string folder) =>
        Directory.EnumerateFiles(Path.Combine(Root, folder), "*", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(Root, file).Replace('\\', '/'))
            .Where(file => !file.Split('/').Any(segment => segment is "bin" or "obj" or "TestResults"));

    // BedrockChatClient.ChatClient.cs holds part of BedrockChatClient.
    private static string TypeName(string file) => Path.GetFileName(file).Split('.')[0];

    [GeneratedRegex(@"^//#if \(([A-Za-z0-9]+)\)$")]
    private static partial Regex Condition();

    private sealed record TemplateFiles(HashSet<string> Files, Dictionary<string, string> Code)
    {
        // A block's own tests (FargateTaskSizesTests.cs for FargateTaskSizes.cs) do not count: they go where it goes.
        public IEnumerable<string> UsersOf(string block)
        {
            var word = new Regex($@"\b{Regex.Escape(TypeName(block))}\b", RegexOptions.CultureInvariant);
            var ownTests = TypeName(block) + "Tests.cs";
            return Code.Where(file => file.Key != block && Path.GetFileName(file.Key) != ownTests && word.IsMatch(file.Value)).Select(file => file.Key);
        }
    }
}
