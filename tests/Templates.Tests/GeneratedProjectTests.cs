using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ReferenceArchitectures.Cdk;
using ReferenceArchitectures.Tools.TemplateBuilder;
using Xunit.Abstractions;

namespace ReferenceArchitectures.Templates.Tests;

/// <summary>
/// Each template, installed from the package, writes a project that stands on its own: it builds, `cdk synth` writes its
/// one stack, and its own tests (assertions, snapshot, cdk-nag, local runs) pass. These run the generated project's
/// commands exactly as its README gives them.
/// </summary>
[Collection(TemplatePackageGroup.Name)]
public sealed partial class GeneratedProjectTests(TemplatePackageFixture package, ITestOutputHelper output)
{
    private static readonly TimeSpan StepLimit = TimeSpan.FromMinutes(20);

    [Theory]
    [InlineData("aws-ai-lambda-bedrock", "Contoso.Assistant")]
    [InlineData("aws-ai-fargate-model", "Contoso.Embeddings")]
    [InlineData("aws-ai-gpu-inference", "Contoso.GpuEmbeddings")]
    [InlineData("aws-ai-hybrid-pipeline", "Contoso.Documents")]
    public async Task Template_writes_a_project_that_builds_synthesizes_and_passes_its_own_tests(string shortName, string name)
    {
        package.EnsureInstalled();
        var pattern = PatternCatalog.Find(shortName);
        var folder = Path.Combine(package.Work.FullName, shortName);
        var total = Stopwatch.StartNew();
        try
        {
            await Step(package.NewAsync(shortName, name, folder));
            AssertStandalone(folder, name, pattern);

            await Step(Processes.RunAsync(Processes.Npm, ["ci", "--no-audit", "--no-fund"], folder, StepLimit));
            await Step(Processes.RunAsync(Processes.DotNet, ["build", name + ".sln", "-nologo", "-v:q"], folder, StepLimit));
            await Step(Processes.RunAsync(Processes.Npx, ["cdk", "synth", "-q"], folder, StepLimit));
            AssertOneStackNamedAfterTheProject(folder, name, pattern);

            var tests = await Step(Processes.RunAsync(Processes.DotNet, ["test", name + ".sln", "--no-build", "-nologo"], folder, StepLimit));
            var passed = TestCounts().Matches(tests.Output).Sum(m => int.Parse(m.Groups["passed"].Value, System.Globalization.CultureInfo.InvariantCulture));
            Assert.DoesNotContain("Failed!", tests.Output, StringComparison.Ordinal);
            Assert.True(passed > 0, tests.Describe());
            output.WriteLine($"{shortName}: {passed} tests passed; {total.Elapsed.TotalSeconds:F0} s from `dotnet new` to the last test");
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private async Task<CommandResult> Step(Task<CommandResult> running)
    {
        var result = await running;
        output.WriteLine($"{result.Command}: exit {result.ExitCode}, {result.Elapsed.TotalSeconds:F1} s");
        Assert.True(result.ExitCode == 0, result.Describe());
        return result;
    }

    private static void AssertStandalone(string folder, string name, PatternTemplate pattern)
    {
        Assert.True(File.Exists(Path.Combine(folder, name + ".sln")), "the solution is not named after the project");
        Assert.True(File.Exists(Path.Combine(folder, "cdk", name + ".Cdk.csproj")), "the CDK app's project is not named after the project");
        Assert.True(File.Exists(Path.Combine(folder, ".ci", "run")), "no .ci/run");
        Assert.True(Directory.Exists(Path.Combine(folder, "cdk", pattern.Pattern)), $"cdk/{pattern.Pattern} is missing");
        foreach (var other in PatternCatalog.PatternNames.Where(p => p != pattern.Pattern))
        {
            Assert.False(Directory.Exists(Path.Combine(folder, "cdk", other)), $"cdk/{other} belongs to another pattern");
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(folder, "tests", "Cdk.Tests"), other + "*", SearchOption.AllDirectories));
        }

        var code = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories).ToList();
        Assert.All(code, file => Assert.DoesNotContain("//#", File.ReadAllText(file), StringComparison.Ordinal));
        Assert.All(code, file => Assert.All(Namespaces().Matches(File.ReadAllText(file)), m =>
            Assert.StartsWith(name + ".", m.Groups[1].Value, StringComparison.Ordinal)));

        var leftovers = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}TestData{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(file => File.ReadAllText(file).Contains(TemplateWriter.SourceName, StringComparison.Ordinal) || Path.GetFileName(file).Contains(TemplateWriter.SourceName, StringComparison.Ordinal))
            .Select(file => Path.GetRelativePath(folder, file))
            .ToList();
        Assert.True(leftovers.Count == 0, $"still named {TemplateWriter.SourceName}: {string.Join(", ", leftovers)}");
    }

    private static void AssertOneStackNamedAfterTheProject(string folder, string name, PatternTemplate pattern)
    {
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "cdk.out", "manifest.json")))!;
        var stacks = manifest["artifacts"]!.AsObject()
            .Where(artifact => (string?)artifact.Value!["type"] == "aws:cloudformation:stack")
            .ToList();
        var stack = Assert.Single(stacks);
        Assert.Equal(pattern.StackId, stack.Key);
        Assert.Equal(ReferenceArchitectureApp.StackName(name, pattern.Pattern), (string?)stack.Value!["properties"]!["stackName"]);
        Assert.True(File.Exists(Path.Combine(folder, "cdk.out", pattern.StackId + ".template.json")));
    }

    [GeneratedRegex(@"Passed: +(?<passed>[0-9]+)")]
    private static partial Regex TestCounts();

    [GeneratedRegex(@"^namespace ([A-Za-z0-9_.]+)", RegexOptions.Multiline)]
    private static partial Regex Namespaces();
}
