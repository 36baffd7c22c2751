using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ReferenceArchitectures.Cdk;
using ReferenceArchitectures.Tools.TemplateBuilder;
using Xunit.Abstractions;

namespace ReferenceArchitectures.Templates.Tests;

/// <summary>
/// Each template, installed from the package, writes a project that stands on its own. These tests check what the
/// template itself can break, and nothing that the repository's own run already proves on the same code:
/// <list type="bullet">
/// <item>the file set and the renames: no file of another pattern, no `//#` marker, no `ReferenceArchitectures` left;</item>
/// <item>it builds, with the project's own settings (warnings as errors, analyzers);</item>
/// <item>its one stack synthesizes through cdk.json's `app` command, named after the project;</item>
/// <item>its snapshot is the repository's snapshot of that stack, and the fast tests of its test projects that read the
/// stack pass (the snapshot test and the template-bound starts among them), so the repository's assertions, cdk-nag run
/// and Native AOT builds of that template carry over;</item>
/// </list>
/// The slow tests (Native AOT publishes, the CUDA and arm64 builds, cdk-nag, STS-B) run once, in the repository, and so
/// do the library test projects, whose code names nothing of the project.
/// </summary>
public abstract partial class GeneratedProjectTests(TemplatePackageFixture package, ITestOutputHelper output)
{
    private static readonly TimeSpan StepLimit = TimeSpan.FromMinutes(10);

    // `dotnet new` may write to the template cache it reads; the two classes take turns there.
    private static readonly SemaphoreSlim TemplateCache = new(1, 1);

    protected async Task CheckGeneratedProject(string shortName, string name)
    {
        package.EnsureInstalled();
        var pattern = PatternCatalog.Find(shortName);
        var folder = Path.Combine(package.Work.FullName, shortName);
        var total = Stopwatch.StartNew();
        try
        {
            await TemplateCache.WaitAsync();
            try
            {
                await Step(package.NewAsync(shortName, name, folder));
            }
            finally
            {
                TemplateCache.Release();
            }

            AssertStandalone(folder, name, pattern);
            AssertSnapshotIsTheRepositorys(folder, pattern);

            await InstallNodePackages(folder);
            // `cdk ls` runs cdk.json's app and writes cdk.out as `cdk synth` does, but skips asset bundling: the Native AOT
            // builds of the functions are proven once by the repository's own tests (LambdaBedrockBundlingTests,
            // HybridPipelineBundlingTests), from the same projects under their original names.
            await Step(Processes.RunAsync(Processes.Npx, ["cdk", "ls"], folder, StepLimit));
            AssertOneStackNamedAfterTheProject(folder, name, pattern);

            // The whole solution builds, with the project's own settings (warnings as errors, analyzers).
            await Step(Processes.RunAsync(Processes.DotNet, ["build", name + ".sln", "-nologo"], folder, StepLimit));

            // The fast tests of the test projects that read the project's own stack (they reference the CDK app or
            // synthesize it): the snapshot, the assertions, the template-bound starts of the functions and servers
            // under the project's names. The library test projects (Bedrock, Lambda runtime, documents, embeddings)
            // are built above but not run: their code names nothing of the project, and the repository's run
            // proves the same code.
            var stackReaders = StackReadingTestProjects(folder);
            Assert.NotEmpty(stackReaders);
            var filter = Path.Combine(folder, name + ".stack-tests.slnf");
            File.WriteAllText(filter, new JsonObject
            {
                ["solution"] = new JsonObject
                {
                    ["path"] = name + ".sln",
                    ["projects"] = new JsonArray([.. stackReaders.Select(project => (JsonNode)project)]),
                },
            }.ToJsonString());
            var tests = await Step(Processes.RunAsync(Processes.DotNet, ["test", filter, "--no-build", "-nologo", "--filter", "Category!=Slow"], folder, StepLimit,
                new Dictionary<string, string> { ["CI"] = "true" }));
            var passed = TestCounts().Matches(tests.Output).Sum(m => int.Parse(m.Groups["passed"].Value, System.Globalization.CultureInfo.InvariantCulture));
            Assert.DoesNotContain("Failed!", tests.Output, StringComparison.Ordinal);
            Assert.True(passed > 0, tests.Describe());
            output.WriteLine($"{shortName}: {passed} fast tests passed; {total.Elapsed.TotalSeconds:F0} s from `dotnet new` to the last test");
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>
    /// The test projects of a generated project that read its stack: those that reference the CDK app, directly or
    /// through the test library that synthesizes it (tests/StackTemplates). Paths relative to the folder.
    /// </summary>
    internal static IReadOnlyList<string> StackReadingTestProjects(string folder) =>
        [.. Directory.EnumerateFiles(Path.Combine(folder, "tests"), "*.Tests.csproj", SearchOption.AllDirectories)
            .Where(project => StackReference().IsMatch(File.ReadAllText(project)))
            .Select(project => Path.GetRelativePath(folder, project).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];

    // The generated project's package-lock.json is the repository's, byte for byte, in every template today; then the
    // repository's node_modules is what `npm ci` would install, and a link to it saves the install. Otherwise install.
    private async Task InstallNodePackages(string folder)
    {
        var lockFile = File.ReadAllBytes(Path.Combine(folder, "package-lock.json"));
        var repositoryModules = Path.Combine(RepositoryLayout.Root, "node_modules");
        if (lockFile.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(RepositoryLayout.Root, "package-lock.json"))) && Directory.Exists(repositoryModules))
        {
            Directory.CreateSymbolicLink(Path.Combine(folder, "node_modules"), repositoryModules);
            output.WriteLine("node_modules: linked to the repository's (package-lock.json is the same)");
            return;
        }

        await Step(Processes.RunAsync(Processes.Npm, ["ci", "--no-audit", "--no-fund"], folder, StepLimit));
    }

    // The generated snapshot test compares the project's template with this file; equal bytes make that the
    // repository's snapshot, which the repository's assertions and cdk-nag run were checked against.
    private static void AssertSnapshotIsTheRepositorys(string folder, PatternTemplate pattern)
    {
        var relative = Path.Combine("tests", "Cdk.Tests", "Snapshots", pattern.StackId + ".template.json");
        Assert.True(File.Exists(Path.Combine(folder, relative)), $"{relative} is missing from the project made with default settings");
        Assert.Equal(File.ReadAllText(Path.Combine(RepositoryLayout.Root, relative)), File.ReadAllText(Path.Combine(folder, relative)));
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

    [GeneratedRegex(@"<ProjectReference Include=""[^""]*(?:/cdk/|/StackTemplates/)[^""]*""")]
    private static partial Regex StackReference();

    [GeneratedRegex(@"Passed: +(?<passed>[0-9]+)")]
    private static partial Regex TestCounts();

    [GeneratedRegex(@"^namespace ([A-Za-z0-9_.]+)", RegexOptions.Multiline)]
    private static partial Regex Namespaces();
}

// Two classes, so two collections that xUnit runs at once: two generated projects are built and tested side by side,
// each pair in the order below, while the rest of the solution's tests run beside them. One project at a time left
// part of the 2-core build machine idle at the end of the run, once the other test projects had finished
// (1,000 CPU-seconds in 621 s); see README, Tests, for the run that measured the change.

/// <summary>Patterns 4 and 2: the longest generated project and a short one.</summary>
[Trait("Category", "Slow")]
public sealed class GeneratedPipelineAndFargateProjectTests(TemplatePackageFixture package, ITestOutputHelper output)
    : GeneratedProjectTests(package, output), IClassFixture<TemplatePackageFixture>
{
    [Theory]
    [InlineData("aws-ai-hybrid-pipeline", "Contoso.Documents")]
    [InlineData("aws-ai-fargate-model", "Contoso.Embeddings")]
    public Task Template_writes_a_project_that_builds_synthesizes_and_passes_its_fast_tests(string shortName, string name) =>
        CheckGeneratedProject(shortName, name);
}

/// <summary>Patterns 1, 3 and 5.</summary>
[Trait("Category", "Slow")]
public sealed class GeneratedLambdaAndGpuProjectTests(TemplatePackageFixture package, ITestOutputHelper output)
    : GeneratedProjectTests(package, output), IClassFixture<TemplatePackageFixture>
{
    [Theory]
    [InlineData("aws-ai-lambda-bedrock", "Contoso.Assistant")]
    [InlineData("aws-ai-gpu-inference", "Contoso.GpuEmbeddings")]
    [InlineData("aws-ai-lambda-model", "Contoso.LambdaEmbeddings")]
    public Task Template_writes_a_project_that_builds_synthesizes_and_passes_its_fast_tests(string shortName, string name) =>
        CheckGeneratedProject(shortName, name);
}

/// <summary>Which test projects a generated project runs: those that read the stack, chosen from their references.</summary>
public sealed class StackReadingTestProjectTests
{
    [Fact]
    public void The_test_projects_that_read_a_stack_are_the_ones_that_reference_the_cdk_app_or_synthesize_it()
    {
        var selected = GeneratedProjectTests.StackReadingTestProjects(RepositoryLayout.Root);

        Assert.Equal(
            [
                "tests/Cdk.Tests/ReferenceArchitectures.Cdk.Tests.csproj",
                "tests/EmbeddingsFunction.Tests/ReferenceArchitectures.EmbeddingsFunction.Tests.csproj",
                "tests/InferenceApi.Tests/ReferenceArchitectures.InferenceApi.Tests.csproj",
                "tests/ModelServer.Tests/ReferenceArchitectures.ModelServer.Tests.csproj",
                "tests/Pipeline.Tests/ReferenceArchitectures.Pipeline.Tests.csproj",
            ],
            selected);
    }
}
