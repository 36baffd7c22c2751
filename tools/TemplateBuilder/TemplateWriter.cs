using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ReferenceArchitectures.Tools.TemplateBuilder;

/// <summary>Writes one pattern's template folder: the files it needs, as they are in the repository, plus what only a
/// standalone project has (its solution, README, cdk.json settings) and the template's configuration.</summary>
public static partial class TemplateWriter
{
    /// <summary>The name every namespace, project and the solution start with; `dotnet new -n` replaces it.</summary>
    public const string SourceName = "ReferenceArchitectures";

    /// <summary>The condition that marks lines only the repository keeps.</summary>
    public const string RepositoryOnly = "RepositoryOnly";

    private const string SolutionFile = SourceName + ".sln";
    private const string SnapshotFolder = "tests/Cdk.Tests/Snapshots";

    // Files at the root that every project needs as they are.
    private static readonly string[] RootFiles = ["Directory.Build.props", "test.runsettings", "package.json", "package-lock.json", ".gitignore", ".ci/run"];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <param name="patterns">Every pattern's manifest: they decide which files are this pattern's (see <see cref="FileSelection"/>).</param>
    /// <returns>The files written, relative to <paramref name="output"/>.</returns>
    public static IReadOnlyList<string> Write(string root, PatternTemplate pattern, IReadOnlyList<PatternManifest> patterns, string output)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(patterns);
        var names = patterns.Select(p => p.Name).ToList();
        var projects = FileSelection.Projects(pattern.Manifest);
        var files = FileSelection.Select(root, pattern.Manifest, patterns);
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        var written = new List<string>();
        foreach (var file in files.Concat(RootFiles))
        {
            RefuseStrayConditionals(root, file, names);
            Copy(root, file, output);
            written.Add(file);
        }

        Write(output, "Directory.Packages.props", CentralPackages(root, projects), written);
        Write(output, "cdk.json", CdkJson(root, pattern), written);
        Write(output, SolutionFile, Solution(root, projects), written);
        Write(output, "README.md", Readme(root, pattern, projects), written);
        Write(output, ".template.config/template.json", TemplateJson(pattern, names), written);
        Write(output, ".template.config/dotnetcli.host.json", HostJson(pattern), written);
        return written;
    }

    // `dotnet new` reads "#if (X)" in any file as a condition and drops what follows when X is not a symbol it knows:
    // a comment that quotes the syntax would silently cut a file short. Only the pattern symbols are allowed.
    private static void RefuseStrayConditionals(string root, string file, IReadOnlyList<string> patternNames)
    {
        if (file.Contains("/TestData/", StringComparison.Ordinal))
        {
            return;
        }

        var symbols = patternNames.Append(RepositoryOnly).ToList();
        var lines = File.ReadAllLines(Path.Combine(root, file));
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Contains("#if", StringComparison.Ordinal)
                && !(PatternCondition().Match(lines[i]) is { Success: true } condition && symbols.Contains(condition.Groups[1].Value, StringComparer.Ordinal)))
            {
                throw new InvalidOperationException(
                    $"{file}:{i + 1} holds '#if' other than a whole line '//#if (Pattern)' naming one of {string.Join(", ", symbols)}; `dotnet new` would treat it as a condition.");
            }
        }
    }

    private static void Copy(string root, string file, string output)
    {
        var target = Path.Combine(output, file);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(Path.Combine(root, file), target);
    }

    private static void Write(string output, string file, string text, List<string> written)
    {
        var target = Path.Combine(output, file);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.WriteAllText(target, text.ReplaceLineEndings("\n"));
        written.Add(file);
    }

    // Only the package versions that the project's own projects reference.
    private static string CentralPackages(string root, IReadOnlyList<string> projects)
    {
        var used = projects.SelectMany(p => ProjectGraph.PackageReferences(Path.Combine(root, p)))
            .Concat(ProjectGraph.PackageReferences(Path.Combine(root, "Directory.Build.props")))
            .ToHashSet(StringComparer.Ordinal);
        var lines = File.ReadAllLines(Path.Combine(root, "Directory.Packages.props"))
            .Where(line => PackageVersion().Match(line) is not { Success: true } match || used.Contains(match.Groups[1].Value));
        return string.Join('\n', lines) + "\n";
    }

    // The repository's cdk.json, with the template's parameters as context settings, ahead of the feature flags.
    private static string CdkJson(string root, PatternTemplate pattern)
    {
        var cdkJson = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "cdk.json")))!.AsObject();
        var context = new JsonObject();
        foreach (var parameter in pattern.Parameters)
        {
            context[parameter.ContextKey] = parameter.Placeholder;
        }

        foreach (var (key, value) in cdkJson["context"]!.AsObject().ToList())
        {
            context[key] = value?.DeepClone();
        }

        cdkJson["context"] = context;
        return cdkJson.ToJsonString(Indented) + "\n";
    }

    private static string Solution(string root, IReadOnlyList<string> projects)
    {
        const string csharp = "{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}";
        var guids = SolutionProject().Matches(File.ReadAllText(Path.Combine(root, SolutionFile)))
            .ToDictionary(m => m.Groups["path"].Value.Replace('\\', '/'), m => m.Groups["guid"].Value, StringComparer.Ordinal);
        var text = new StringBuilder();
        text.Append("\nMicrosoft Visual Studio Solution File, Format Version 12.00\n# Visual Studio Version 17\nVisualStudioVersion = 17.0.31903.59\nMinimumVisualStudioVersion = 10.0.40219.1\n");
        var ordered = projects.Order(StringComparer.Ordinal).ToList();
        foreach (var project in ordered)
        {
            var guid = guids.TryGetValue(project, out var known) ? known : throw new InvalidOperationException($"{project} is not in {SolutionFile}.");
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"Project(\"{csharp}\") = \"{Path.GetFileNameWithoutExtension(project)}\", \"{project.Replace('/', '\\')}\", \"{guid}\"\nEndProject\n");
        }

        text.Append("Global\n\tGlobalSection(SolutionConfigurationPlatforms) = preSolution\n\t\tDebug|Any CPU = Debug|Any CPU\n\t\tRelease|Any CPU = Release|Any CPU\n\tEndGlobalSection\n");
        text.Append("\tGlobalSection(ProjectConfigurationPlatforms) = postSolution\n");
        foreach (var guid in ordered.Select(p => guids[p]))
        {
            foreach (var configuration in new[] { "Debug", "Release" })
            {
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\t\t{guid}.{configuration}|Any CPU.ActiveCfg = {configuration}|Any CPU\n\t\t{guid}.{configuration}|Any CPU.Build.0 = {configuration}|Any CPU\n");
            }
        }

        text.Append("\tEndGlobalSection\n\tGlobalSection(SolutionProperties) = preSolution\n\t\tHideSolutionNode = FALSE\n\tEndGlobalSection\nEndGlobal\n");
        return text.ToString();
    }

    private static string Readme(string root, PatternTemplate pattern, IReadOnlyList<string> projects)
    {
        var repositoryReadme = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n");
        var section = PatternSection(repositoryReadme, pattern.Number);
        var text = new StringBuilder();
        text.Append(System.Globalization.CultureInfo.InvariantCulture, $"""
            # {SourceName}

            {pattern.Description}

            ```bash
            npm ci && npx cdk synth          # synthesize {pattern.StackId} into cdk.out/
            npm ci && dotnet build {SolutionFile} && dotnet test {SolutionFile} --no-build   # run every test: assertions, snapshot, cdk-nag, local runs
            ```

            Both need only the .NET 10 SDK and Node.js 20 or newer (plus, for Native AOT, a C toolchain and zlib headers:
            `apt-get install gcc zlib1g-dev` on Debian/Ubuntu). No AWS account is needed for either. `.ci/run` is a CI
            entry point that installs what is missing and runs the test command.

            This project was made with `dotnet new {pattern.ShortName}` from the C# AI reference architectures for AWS
            (pattern {pattern.Number}). Its CloudFormation stack is called `{SourceName}-{pattern.Pattern}`.

            ## Settings chosen when the project was made

            `dotnet new` wrote these into `cdk.json`'s `context`; change them there, or for one run with `-c key=value`.

            | Key | Meaning |
            |---|---|

            """);
        foreach (var parameter in pattern.Parameters)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"| `{parameter.ContextKey}` | {parameter.Description} |\n");
        }

        text.Append(System.Globalization.CultureInfo.InvariantCulture, $"""

            `tests/Cdk.Tests/Snapshots/{pattern.StackId}.template.json` records the synthesized template. A project made
            with other values than the defaults starts without it: the first local `dotnet test` records it (commit it),
            and CI (`CI=true`) fails while it is missing. After an intended change, run
            `UPDATE_SNAPSHOTS=1 dotnet test tests/Cdk.Tests` and commit the new snapshot.

            ## Where each part lives

            `cdk/{pattern.Pattern}/{PatternManifest.FileName}` lists the pattern's projects and files, and where each part of it lives:

            | Part | Where |
            |---|---|

            """);
        foreach (var part in pattern.Manifest.Story)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"| {part.Part} | `{part.Path}` |\n");
        }

        text.Append(System.Globalization.CultureInfo.InvariantCulture, $"""

            ## Layout

            ```

            """);
        foreach (var project in projects.Order(StringComparer.Ordinal))
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{project}\n");
        }

        text.Append("```\n\n").Append(section);
        return text.ToString();
    }

    /// <summary>The README's section about one pattern, from its heading to the next second-level heading.</summary>
    /// <exception cref="InvalidOperationException">The README has no such section.</exception>
    public static string PatternSection(string readme, int number)
    {
        ArgumentNullException.ThrowIfNull(readme);
        var start = readme.IndexOf($"\n## Pattern {number}:", StringComparison.Ordinal);
        if (start < 0)
        {
            throw new InvalidOperationException($"README.md has no '## Pattern {number}:' section to put in the template's README.");
        }

        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return readme[(start + 1)..(end < 0 ? readme.Length : end + 1)];
    }

    private static string TemplateJson(PatternTemplate pattern, IReadOnlyList<string> patternNames)
    {
        var symbols = new JsonObject();
        foreach (var name in patternNames)
        {
            // What `//#if (Pattern)` in the code tests: only this template's pattern is kept.
            symbols[name] = new JsonObject { ["type"] = "computed", ["value"] = name == pattern.Pattern ? "true" : "false" };
        }

        // Notes about the repository itself (how the templates are made) that a generated project has no use for.
        symbols[RepositoryOnly] = new JsonObject { ["type"] = "computed", ["value"] = "false" };

        foreach (var parameter in pattern.Parameters)
        {
            var symbol = new JsonObject
            {
                ["type"] = "parameter",
                ["datatype"] = parameter.DataType,
                ["description"] = $"{parameter.Description} Goes to cdk.json as {parameter.ContextKey}.",
                ["defaultValue"] = parameter.DefaultValue,
                ["replaces"] = parameter.Placeholder,
            };
            if (parameter.Choices is { } choices)
            {
                symbol["choices"] = new JsonArray([.. choices.Select(c => (JsonNode)new JsonObject { ["choice"] = c, ["description"] = c })]);
            }

            symbols[parameter.Symbol] = symbol;
        }

        symbols["stackNamePrefix"] = new JsonObject
        {
            // Stack names take letters, digits and hyphens: "Contoso.Assistant" deploys as "Contoso-Assistant-<Pattern>".
            ["type"] = "generated",
            ["generator"] = "regex",
            ["parameters"] = new JsonObject
            {
                ["source"] = "name",
                ["steps"] = new JsonArray(
                    new JsonObject { ["regex"] = "[^A-Za-z0-9]", ["replacement"] = "-" },
                    new JsonObject { ["regex"] = "$", ["replacement"] = "-" }),
            },
            ["replaces"] = SourceName + "-",
        };
        symbols["usesDefaults"] = new JsonObject
        {
            ["type"] = "computed",
            ["value"] = "(" + string.Join(" && ", pattern.Parameters.Select(Condition)) + ")",
        };

        var template = new JsonObject
        {
            ["$schema"] = "http://json.schemastore.org/template",
            ["author"] = "C# AI reference architectures for AWS",
            ["classifications"] = new JsonArray("AWS", "CDK", "AI", "Cloud", "Lambda", "ECS"),
            ["identity"] = pattern.Identity,
            ["name"] = pattern.Title,
            ["shortName"] = pattern.ShortName,
            ["description"] = pattern.Description,
            ["sourceName"] = SourceName,
            ["preferNameDirectory"] = true,
            ["tags"] = new JsonObject { ["language"] = "C#", ["type"] = "solution" },
            ["symbols"] = symbols,
            ["sources"] = new JsonArray(new JsonObject
            {
                // Test vectors are data: no name replacement, no conditional processing.
                ["copyOnly"] = new JsonArray("**/TestData/**"),
                ["modifiers"] = new JsonArray(new JsonObject
                {
                    // The stored snapshot is the template with the defaults; other values start without one.
                    ["condition"] = "(!usesDefaults)",
                    ["exclude"] = new JsonArray($"{SnapshotFolder}/**"),
                }),
            }),
        };
        return template.ToJsonString(Indented) + "\n";
    }

    private static string Condition(TemplateParameter parameter) =>
        parameter.DataType is "integer" or "float"
            ? $"{parameter.Symbol} == {parameter.DefaultValue}"
            : $"{parameter.Symbol} == \"{parameter.DefaultValue}\"";

    private static string HostJson(PatternTemplate pattern)
    {
        var symbolInfo = new JsonObject();
        foreach (var parameter in pattern.Parameters)
        {
            symbolInfo[parameter.Symbol] = new JsonObject { ["longName"] = parameter.LongName, ["shortName"] = "" };
        }

        var host = new JsonObject
        {
            ["$schema"] = "http://json.schemastore.org/dotnetcli.host",
            ["symbolInfo"] = symbolInfo,
            ["usageExamples"] = new JsonArray($"-n Contoso.Assistant"),
        };
        return host.ToJsonString(Indented) + "\n";
    }

    [GeneratedRegex(@"^\s*//#if \(([A-Za-z0-9]+)\)$")]
    private static partial Regex PatternCondition();

    [GeneratedRegex("""<PackageVersion Include="([^"]+)" """)]
    private static partial Regex PackageVersion();

    [GeneratedRegex(""""Project\("\{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC\}"\) = "[^"]+", "(?<path>[^"]+\.csproj)", "(?<guid>\{[0-9A-F-]+\})"""")]
    private static partial Regex SolutionProject();
}
