using ReferenceArchitectures.Cdk;
using ReferenceArchitectures.Tools.TemplateBuilder;

namespace ReferenceArchitectures.Templates.Tests;

/// <summary>What each template holds, read straight from the builder (no package, no `dotnet new`).</summary>
public sealed class TemplateContentTests
{
    public static TheoryData<string> Patterns() => [.. PatternCatalog.All.Select(p => p.Pattern)];

    // The generated project's snapshots must stay the repository's byte for byte, so that the repository's assertions
    // and cdk-nag runs carry over; a snapshot that spells the solution's name is renamed by `dotnet new` and no longer
    // is (an EMF namespace "ReferenceArchitectures/..." once did that).
    [Theory]
    [MemberData(nameof(Patterns))]
    public void A_templates_snapshots_hold_nothing_that_dotnet_new_renames(string name)
    {
        var snapshots = Select(PatternCatalog.Find(name)).Where(file => file.StartsWith("tests/Cdk.Tests/Snapshots/", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(snapshots);
        Assert.All(snapshots, file => Assert.DoesNotContain(TemplateWriter.SourceName, File.ReadAllText(Path.Combine(RepositoryLayout.Root, file)), StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void A_template_holds_its_own_stack_tests_and_snapshot_and_nothing_of_the_other_patterns(string name)
    {
        var pattern = PatternCatalog.Find(name);
        var files = Select(pattern);

        Assert.Contains($"cdk/{name}/{name}Stack.cs", files);
        Assert.Contains($"tests/Cdk.Tests/{name}StackTests.cs", files);
        Assert.Contains($"tests/Cdk.Tests/Snapshots/{name}Stack.template.json", files);
        Assert.Contains($"cdk/{name}/{PatternManifest.FileName}", files);
        // Files no manifest names go to every pattern, whatever they say: StackNameTests once missed pattern 4
        // because its test data spelt the other patterns' names.
        Assert.Contains("tests/Cdk.Tests/NagTests.cs", files);
        Assert.Contains("tests/Cdk.Tests/StackNameTests.cs", files);
        Assert.Contains("cdk/ReferenceArchitectureApp.cs", files);
        Assert.All(pattern.Projects, project => Assert.Contains(project, files));
        foreach (var other in PatternCatalog.PatternNames.Where(p => p != name))
        {
            Assert.DoesNotContain(files, file => file.StartsWith($"cdk/{other}/", StringComparison.Ordinal) || file.Contains($"/{other}", StringComparison.Ordinal));
        }

        Assert.DoesNotContain(files, file => file.StartsWith("tools/Advisor/", StringComparison.Ordinal) || file.Contains("/bin/", StringComparison.Ordinal) || file.Contains("/obj/", StringComparison.Ordinal));
    }

    [Fact]
    public void Constructs_go_only_to_the_patterns_that_use_them()
    {
        var lambda = Select(PatternCatalog.Find("LambdaBedrock"));
        var fargate = Select(PatternCatalog.Find("FargateModel"));

        Assert.Contains("cdk/Constructs/DotNetAotCode.cs", lambda);
        Assert.Contains("cdk/Constructs/DotNetAotBuildImage/Dockerfile", lambda);
        Assert.DoesNotContain("cdk/Constructs/PublicLoadBalancer.cs", lambda);
        Assert.Contains("cdk/Constructs/PublicLoadBalancer.cs", fargate);
        Assert.DoesNotContain("cdk/Constructs/DotNetAotCode.cs", fargate);
        Assert.DoesNotContain("tests/ModelServer.Tests/CudaBuildTests.cs", fargate);
        Assert.Contains("tests/ModelServer.Tests/CudaBuildTests.cs", Select(PatternCatalog.Find("GpuInference")));
    }

    [Fact]
    public void Writing_a_template_adds_a_solution_readme_settings_and_only_the_packages_it_uses()
    {
        var output = Directory.CreateTempSubdirectory("template-");
        try
        {
            var pattern = PatternCatalog.Find("FargateModel");
            TemplateWriter.Write(RepositoryLayout.Root, pattern, Manifests, output.FullName);

            var solution = File.ReadAllText(Path.Combine(output.FullName, "ReferenceArchitectures.sln"));
            Assert.Contains(@"containers\ModelServer\ReferenceArchitectures.ModelServer.csproj", solution, StringComparison.Ordinal);
            Assert.DoesNotContain("InferenceApi", solution, StringComparison.Ordinal);
            var packages = File.ReadAllText(Path.Combine(output.FullName, "Directory.Packages.props"));
            Assert.Contains("Microsoft.ML.OnnxRuntime", packages, StringComparison.Ordinal);
            Assert.DoesNotContain("PdfPig", packages, StringComparison.Ordinal);
            var readme = File.ReadAllText(Path.Combine(output.FullName, "README.md"));
            Assert.Contains("## Pattern 2:", readme, StringComparison.Ordinal);
            Assert.DoesNotContain("## Pattern 1:", readme, StringComparison.Ordinal);
            var cdkJson = File.ReadAllText(Path.Combine(output.FullName, "cdk.json"));
            Assert.All(pattern.Parameters, parameter => Assert.Contains($"\"{parameter.ContextKey}\": \"{parameter.Placeholder}\"", cdkJson, StringComparison.Ordinal));
            Assert.True(File.Exists(Path.Combine(output.FullName, ".template.config", "template.json")));
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_conditional_that_dotnet_new_would_misread_stops_the_build_naming_the_line()
    {
        var root = Directory.CreateTempSubdirectory("template-root-");
        try
        {
            // A copy of the repository's layout is not needed: the check runs on the first file it copies.
            Directory.CreateDirectory(Path.Combine(root.FullName, "cdk"));
            File.WriteAllText(Path.Combine(root.FullName, "cdk", "ReferenceArchitectures.Cdk.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\" />");
            Directory.CreateDirectory(Path.Combine(root.FullName, "tests", "Cdk.Tests"));
            File.WriteAllText(Path.Combine(root.FullName, "tests", "Cdk.Tests", "ReferenceArchitectures.Cdk.Tests.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\" />");
            File.WriteAllText(Path.Combine(root.FullName, "cdk", "Program.cs"), "// see the #if (Pattern) lines\n");
            var pattern = PatternCatalog.Find("LambdaBedrock") with { Manifest = TestManifests.Named("LambdaBedrock") };

            var error = Assert.Throws<InvalidOperationException>(() => TemplateWriter.Write(root.FullName, pattern, [pattern.Manifest], Path.Combine(root.FullName, "out")));

            Assert.Contains("cdk/Program.cs:1", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_readme_section_of_a_pattern_ends_at_the_next_heading()
    {
        const string readme = "# T\n\n## Pattern 1: One\n\ntext one\n### Sub\n\n## Pattern 2: Two\ntext two\n";

        Assert.Equal("## Pattern 1: One\n\ntext one\n### Sub\n\n", TemplateWriter.PatternSection(readme, 1));
        Assert.Equal("## Pattern 2: Two\ntext two\n", TemplateWriter.PatternSection(readme, 2));
        Assert.Throws<InvalidOperationException>(() => TemplateWriter.PatternSection(readme, 3));
    }

    private static IReadOnlyList<PatternManifest> Manifests => [.. PatternCatalog.All.Select(p => p.Manifest)];

    private static IReadOnlyList<string> Select(PatternTemplate pattern) => FileSelection.Select(RepositoryLayout.Root, pattern.Manifest, Manifests);
}
