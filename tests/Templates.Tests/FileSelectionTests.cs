using ReferenceArchitectures.Tools.TemplateBuilder;

namespace ReferenceArchitectures.Templates.Tests;

/// <summary>
/// The builder's rule on a small repository of two made-up patterns, Alpha and Beta: a file that a manifest names goes
/// only to the patterns that name it, every other file to all, and what a file says never matters.
/// </summary>
public sealed class FileSelectionTests : IDisposable
{
    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("file-selection-");

    private readonly PatternManifest alpha = TestManifests.Named("Alpha", 1) with
    {
        Projects = new PatternProjects { Libraries = ["lib/Server/Server.csproj"] },
        Cdk = ["cdk/Alpha", "cdk/Constructs/Network.cs", "cdk/Constructs/Bundling.cs"],
        CdkTests = ["tests/Cdk.Tests/AlphaStackTests.cs", "tests/Cdk.Tests/Snapshots/AlphaStack.template.json"],
    };

    private readonly PatternManifest beta = TestManifests.Named("Beta", 2) with
    {
        Projects = new PatternProjects { Libraries = ["lib/Server/Server.csproj"] },
        Cdk = ["cdk/Beta/", "cdk/Constructs/Network.cs"],
        SharedProjectFiles = ["lib/Server/Gpu.cs"],
    };

    public FileSelectionTests()
    {
        Write(PatternCatalog.CdkProject, TestManifests.Project());
        Write(PatternCatalog.CdkTestsProject, TestManifests.Project("../../cdk/ReferenceArchitectures.Cdk.csproj"));
        Write("cdk/Program.cs", "// Builds the Alpha and Beta stacks.");
        Write("cdk/Alpha/AlphaStack.cs", "");
        Write("cdk/Alpha/pattern.json", "{}");
        Write("cdk/Beta/BetaStack.cs", "");
        Write("cdk/Constructs/Network.cs", "");
        Write("cdk/Constructs/Bundling.cs", "");
        Write("cdk/Constructs/Alarms.cs", "// Used by Beta only, but no manifest says so.");
        Write("tests/Cdk.Tests/AlphaStackTests.cs", "");
        Write("tests/Cdk.Tests/Snapshots/AlphaStack.template.json", "{}");
        Write("tests/Cdk.Tests/StackNameTests.cs", "[InlineData(\"Alpha\")]\n[InlineData(\"Beta\")]");
        Write("lib/Server/Server.csproj", TestManifests.Project());
        Write("lib/Server/Api.cs", "// Alpha's and Beta's API.");
        Write("lib/Server/Gpu.cs", "");
    }

    [Fact]
    public void A_file_or_folder_a_manifest_names_goes_only_to_the_patterns_that_name_it()
    {
        var alphaFiles = Select(alpha);
        var betaFiles = Select(beta);

        Assert.Contains("cdk/Alpha/AlphaStack.cs", alphaFiles);
        Assert.Contains("cdk/Alpha/pattern.json", alphaFiles);
        Assert.Contains("tests/Cdk.Tests/AlphaStackTests.cs", alphaFiles);
        Assert.Contains("tests/Cdk.Tests/Snapshots/AlphaStack.template.json", alphaFiles);
        Assert.Contains("cdk/Constructs/Bundling.cs", alphaFiles);
        Assert.DoesNotContain("cdk/Beta/BetaStack.cs", alphaFiles);
        Assert.DoesNotContain("lib/Server/Gpu.cs", alphaFiles);

        Assert.Contains("cdk/Beta/BetaStack.cs", betaFiles);
        Assert.Contains("lib/Server/Gpu.cs", betaFiles);
        Assert.DoesNotContain("cdk/Alpha/AlphaStack.cs", betaFiles);
        Assert.DoesNotContain("tests/Cdk.Tests/AlphaStackTests.cs", betaFiles);
        Assert.DoesNotContain("cdk/Constructs/Bundling.cs", betaFiles);

        Assert.Contains("cdk/Constructs/Network.cs", alphaFiles);
        Assert.Contains("cdk/Constructs/Network.cs", betaFiles);
    }

    [Fact]
    public void A_file_no_manifest_names_goes_to_every_pattern_whatever_it_says()
    {
        string[] unclaimed = ["cdk/Program.cs", "cdk/Constructs/Alarms.cs", "tests/Cdk.Tests/StackNameTests.cs", "lib/Server/Api.cs", "lib/Server/Server.csproj"];

        Assert.All(unclaimed, file => Assert.Contains(file, Select(alpha)));
        Assert.All(unclaimed, file => Assert.Contains(file, Select(beta)));
    }

    [Fact]
    public void A_project_the_manifest_does_not_list_stops_the_build_naming_it()
    {
        Write("lib/Server/Server.csproj", TestManifests.Project("../Storage/Storage.csproj"));
        Write("lib/Storage/Storage.csproj", TestManifests.Project());

        var error = Assert.Throws<InvalidOperationException>(() => Select(alpha));

        Assert.Contains("cdk/Alpha/pattern.json does not list lib/Storage/Storage.csproj", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => root.Delete(recursive: true);

    private IReadOnlyList<string> Select(PatternManifest pattern) => FileSelection.Select(root.FullName, pattern, [alpha, beta]);

    private void Write(string path, string text) => TestManifests.Write(root, path, text);
}
