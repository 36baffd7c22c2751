using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReferenceArchitectures.Tools.TemplateBuilder;

/// <summary>One part of a pattern's story and where it lives: <c>{"part": "state machine", "path": "cdk/..."}</c>.</summary>
public sealed record StoryPart(string Part, string Path);

/// <summary>A pattern's projects by role; each is a root-relative .csproj path.</summary>
public sealed record PatternProjects
{
    public IReadOnlyList<string> Functions { get; init; } = [];

    public IReadOnlyList<string> Containers { get; init; } = [];

    /// <summary>Libraries the deployables use, wherever they sit (functions/LambdaRuntime is one).</summary>
    public IReadOnlyList<string> Libraries { get; init; } = [];

    public IReadOnlyList<string> Tools { get; init; } = [];

    public IReadOnlyList<string> Tests { get; init; } = [];

    /// <summary>What the tests run against: local stand-ins for AWS, generated documents.</summary>
    public IReadOnlyList<string> TestSupport { get; init; } = [];

    public IReadOnlyList<string> Benchmarks { get; init; } = [];

    /// <summary>Every project, in the order of the roles above.</summary>
    public IEnumerable<string> All => [.. Functions, .. Containers, .. Libraries, .. Tools, .. Tests, .. TestSupport, .. Benchmarks];
}

/// <summary>
/// A pattern as <c>cdk/&lt;Pattern&gt;/pattern.json</c> describes it: what it is, where each part of its story lives,
/// and which projects and files are its own. The template builder decides a template's files from these manifests
/// alone: a file that some manifest names goes only to the patterns that name it; every other file of an included
/// project goes to every pattern that includes the project.
/// </summary>
public sealed record PatternManifest
{
    /// <summary>The file name, in the pattern's folder under cdk/.</summary>
    public const string FileName = "pattern.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        // A misspelt key would otherwise be dropped in silence, and with it the files it was meant to claim.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public required int Number { get; init; }

    /// <summary>The pattern's name in the code: its folder under cdk/, its stack class's prefix, its <c>//#if</c> symbol.</summary>
    public required string Name { get; init; }

    /// <summary>The template's short name, as typed after <c>dotnet new</c>.</summary>
    public required string ShortName { get; init; }

    public required string Title { get; init; }

    public required string Description { get; init; }

    public IReadOnlyList<StoryPart> Story { get; init; } = [];

    /// <summary>Every project the pattern needs besides the CDK app and its tests, references included.</summary>
    public PatternProjects Projects { get; init; } = new();

    /// <summary>Folders and files of the CDK app (cdk/) that are this pattern's, or shared with only some patterns.</summary>
    public IReadOnlyList<string> Cdk { get; init; } = [];

    /// <summary>Files of tests/Cdk.Tests that are this pattern's, or shared with only some patterns.</summary>
    public IReadOnlyList<string> CdkTests { get; init; } = [];

    /// <summary>Files in projects that other patterns also take, which only this pattern (and any other naming them) gets.</summary>
    public IReadOnlyList<string> SharedProjectFiles { get; init; } = [];

    /// <summary>Where the manifest was read from, root-relative.</summary>
    [JsonIgnore]
    public string Source { get; init; } = "";

    /// <summary>The folders and files this manifest claims: no pattern whose manifest does not name them gets them.</summary>
    [JsonIgnore]
    public IEnumerable<string> Claims => [.. Cdk, .. CdkTests, .. SharedProjectFiles];

    /// <summary>Whether the manifest names <paramref name="file"/> (root-relative, forward slashes) or a folder holding it.</summary>
    public bool ClaimsFile(string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Claims.Select(claim => claim.TrimEnd('/')).Any(claim =>
            file == claim || (file.StartsWith(claim, StringComparison.Ordinal) && file.Length > claim.Length && file[claim.Length] == '/'));
    }

    /// <summary>Every path the manifest names: projects, claimed folders and files, and the story's places.</summary>
    [JsonIgnore]
    public IEnumerable<string> Paths => [.. Projects.All, .. Claims, .. Story.Select(part => part.Path)];

    /// <summary>Reads every <c>cdk/*/pattern.json</c> under <paramref name="root"/>, in the patterns' order.</summary>
    /// <exception cref="InvalidOperationException">A manifest cannot be read, or two give the same number.</exception>
    public static IReadOnlyList<PatternManifest> ReadAll(string root)
    {
        var cdk = Path.Combine(root, "cdk");
        var manifests = (Directory.Exists(cdk) ? Directory.EnumerateDirectories(cdk) : [])
            .Select(folder => Path.Combine(folder, FileName))
            .Where(File.Exists)
            .Select(file => Read(root, Path.GetRelativePath(root, file).Replace('\\', '/')))
            .OrderBy(manifest => manifest.Number)
            .ToList();

        // Names are unique already: each manifest sits in the folder named after its pattern.
        return manifests.GroupBy(m => m.Number).FirstOrDefault(g => g.Count() > 1) is { } duplicate
            ? throw new InvalidOperationException($"{string.Join(" and ", duplicate.Select(m => m.Source))} all call themselves pattern {duplicate.Key}.")
            : manifests;
    }

    /// <exception cref="InvalidOperationException">The file is not a manifest, or it sits in a folder not named after its pattern.</exception>
    public static PatternManifest Read(string root, string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        PatternManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<PatternManifest>(File.ReadAllText(Path.Combine(root, relativePath)), Json)
                ?? throw new InvalidOperationException($"{relativePath} is empty.");
        }
        catch (JsonException error)
        {
            throw new InvalidOperationException($"{relativePath} is not a pattern manifest: {error.Message}", error);
        }

        // The folder name is what the builder and the tests take the pattern's files by; a copied manifest that still
        // names its old pattern would claim that pattern's files.
        var folder = Path.GetFileName(Path.GetDirectoryName(relativePath));
        return folder == manifest.Name
            ? manifest with { Source = relativePath }
            : throw new InvalidOperationException($"{relativePath} describes pattern '{manifest.Name}', but sits in cdk/{folder}/.");
    }
}
