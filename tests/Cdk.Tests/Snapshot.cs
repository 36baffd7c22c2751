using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>
/// Compares a template with tests/Cdk.Tests/Snapshots/&lt;Stack&gt;.template.json after removing what changes
/// without the infrastructure changing: asset hashes, image tags and the bootstrap version check.
/// </summary>
public static partial class Snapshot
{
    public const string UpdateVariable = "UPDATE_SNAPSHOTS";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Normalize(string templateJson)
    {
        var template = JsonNode.Parse(templateJson)!.AsObject();
        RemoveFrom(template, "Parameters", "BootstrapVersion");
        RemoveFrom(template, "Rules", "CheckBootstrapVersion");
        var text = template.ToJsonString(Indented);
        text = ContainerImageUri().Replace(text, "<container-image-uri>");
        return AssetHash().Replace(text, "<asset-hash>").ReplaceLineEndings("\n") + "\n";
    }

    /// <summary>
    /// Fails unless the normalized template equals the stored snapshot; with UPDATE_SNAPSHOTS=1 stores it instead. A
    /// template synthesized for a Region has a snapshot of its own, in Snapshots/&lt;region&gt;/.
    /// </summary>
    public static void Verify(SynthesizedStack stack, string? region = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var folder = region is null ? Path.Combine("tests", "Cdk.Tests", "Snapshots") : Path.Combine("tests", "Cdk.Tests", "Snapshots", region);
        var path = RepositoryLayout.PathFromRoot(Path.Combine(folder, stack.StackName + ".template.json"));
        var actual = Normalize(stack.Json);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }

        var howToUpdate = $"If the change is intended, run `{UpdateVariable}=1 dotnet test tests/Cdk.Tests` and commit {Path.GetRelativePath(RepositoryLayout.Root, path)}.";
        if (!File.Exists(path))
        {
            // A project made with `dotnet new` and non-default settings starts without a snapshot: the first local run
            // records it, to be committed. In CI (CI=true) a missing snapshot is a failure, since nothing was approved.
            Assert.False(IsCi(), $"No snapshot for {stack.StackName}. {howToUpdate}");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }

        var expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        if (expected != actual)
        {
            Assert.Fail($"{stack.StackName} differs from its snapshot at line {FirstDifferentLine(expected, actual)}. {howToUpdate}");
        }
    }

    private static bool IsCi() =>
        Environment.GetEnvironmentVariable("CI") is { Length: > 0 } value && !value.Equals("false", StringComparison.OrdinalIgnoreCase);

    private static void RemoveFrom(JsonObject template, string section, string name)
    {
        if (template[section] is JsonObject entries)
        {
            entries.Remove(name);
            if (entries.Count == 0)
            {
                template.Remove(section);
            }
        }
    }

    private static string FirstDifferentLine(string expected, string actual)
    {
        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        for (var i = 0; i < Math.Max(expectedLines.Length, actualLines.Length); i++)
        {
            var e = i < expectedLines.Length ? expectedLines[i] : "<end>";
            var a = i < actualLines.Length ? actualLines[i] : "<end>";
            if (e != a)
            {
                return $"{i + 1}: expected `{e.Trim()}`, got `{a.Trim()}`";
            }
        }

        return "?";
    }

    [GeneratedRegex("[0-9a-f]{64}")]
    private static partial Regex AssetHash();

    [GeneratedRegex(@"[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[^""]+")]
    private static partial Regex ContainerImageUri();
}
