using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>
/// A function's asset hash covers what its publish reads and nothing else, so that `cdk synth` after an edit to a
/// stack reuses the Native AOT build (the CDK skips bundling when cdk.out already holds the asset of that hash).
/// </summary>
public sealed class DotNetBuildInputsTests : IDisposable
{
    private const string Description = "publish linux-x64";

    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("build-inputs-");

    public DotNetBuildInputsTests()
    {
        Write("Directory.Build.props", "<Project />");
        Write("Directory.Packages.props", "<Project />");
        Write("functions/Api/Api.csproj", """<Project Sdk="Microsoft.NET.Sdk"><ItemGroup><ProjectReference Include="../../lib/Client/Client.csproj" /></ItemGroup></Project>""");
        Write("functions/Api/Program.cs", "return 0;");
        Write("lib/Client/Client.csproj", """<Project Sdk="Microsoft.NET.Sdk" />""");
        Write("lib/Client/Client.cs", "class Client;");
        Write("lib/Other/Other.csproj", """<Project Sdk="Microsoft.NET.Sdk" />""");
        Write("cdk/Stack.cs", "class Stack;");
        Write("tests/ApiTests.cs", "class ApiTests;");
    }

    private string Project => Path.Combine(root.FullName, "functions", "Api", "Api.csproj");

    private string Hash() => DotNetBuildInputs.Hash(root.FullName, Project, Description);

    [Fact]
    public void The_inputs_are_the_project_its_references_and_the_root_build_files()
    {
        Write("functions/Api/bin/Debug/Api.dll", "built");
        Write("functions/Api/obj/project.assets.json", "{}");

        Assert.Equal(
            ["Directory.Build.props", "Directory.Packages.props", "functions/Api/Api.csproj", "functions/Api/Program.cs", "lib/Client/Client.cs", "lib/Client/Client.csproj"],
            DotNetBuildInputs.Files(root.FullName, Project));
    }

    [Fact]
    public void Editing_a_stack_a_test_or_an_unreferenced_project_keeps_the_hash()
    {
        var before = Hash();

        Write("cdk/Stack.cs", "class Stack { int changed; }");
        Write("tests/ApiTests.cs", "class ApiTests { int changed; }");
        Write("lib/Other/Other.cs", "class Other;");
        Write("functions/Api/obj/Api.AssemblyInfo.cs", "// generated");

        Assert.Equal(before, Hash());
    }

    [Theory]
    [InlineData("functions/Api/Program.cs")]
    [InlineData("lib/Client/Client.cs")]
    [InlineData("lib/Client/New.cs")]
    [InlineData("Directory.Packages.props")]
    public void Editing_or_adding_an_input_changes_the_hash(string file)
    {
        var before = Hash();

        Write(file, "// changed");

        Assert.NotEqual(before, Hash());
    }

    [Fact]
    public void Another_build_of_the_same_files_has_another_hash()
    {
        Assert.NotEqual(Hash(), DotNetBuildInputs.Hash(root.FullName, Project, "publish linux-arm64"));
    }

    [Fact]
    public void No_function_project_reads_the_cdk_app_or_the_tests()
    {
        // A project made from the Fargate or GPU template has no functions/ folder, and so no Native AOT asset to hash.
        var functions = RepositoryLayout.PathFromRoot("functions");
        var projects = Directory.Exists(functions) ? Directory.GetFiles(functions, "*.csproj", SearchOption.AllDirectories) : [];

        Assert.All(projects, project =>
        {
            var files = DotNetBuildInputs.Files(RepositoryLayout.Root, project);
            Assert.Contains(files, file => file.StartsWith("functions/", StringComparison.Ordinal) && file.EndsWith(".cs", StringComparison.Ordinal));
            Assert.DoesNotContain(files, file => file.StartsWith("cdk/", StringComparison.Ordinal) || file.StartsWith("tests/", StringComparison.Ordinal) || file == "README.md");
        });
    }

    public void Dispose() => root.Delete(recursive: true);

    private void Write(string relativePath, string text)
    {
        var path = Path.Combine(root.FullName, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
