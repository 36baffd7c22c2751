using ReferenceArchitectures.Cdk;

namespace ReferenceArchitectures.Templates.Tests;

/// <summary>
/// README's "Start a project from one pattern" commands work in a fresh clone with nothing built: the package fixture
/// runs them there (see <see cref="TemplatePackageFixture"/>), and this checks that they are the commands README shows.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ReadmeCommandTests(TemplatePackageFixture package) : IClassFixture<TemplatePackageFixture>
{
    [Fact]
    public async Task Readme_pack_install_and_new_work_in_a_fresh_clone_with_nothing_built()
    {
        // Before the pack, the clone held source files only; a bin/ or obj/ would let a missing restore go unseen.
        Assert.DoesNotContain(package.ClonedFiles, file => file.Split('/').Any(segment => segment is "bin" or "obj"));
        Assert.Contains("tools/TemplateBuilder/ReferenceArchitectures.Tools.TemplateBuilder.csproj", package.ClonedFiles);
        package.EnsureInstalled();

        var readme = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "README.md"));
        Assert.Contains("\ndotnet " + string.Join(' ', TemplatePackageFixture.PackCommand) + " ", readme, StringComparison.Ordinal);
        Assert.Contains($"\ndotnet new install {package.PackageFile}\n", readme, StringComparison.Ordinal);

        var folder = Path.Combine(package.Work.FullName, "fresh-clone");
        var result = await package.NewAsync("aws-ai-hybrid-pipeline", "Contoso.Fresh", folder);

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.True(File.Exists(Path.Combine(folder, "Contoso.Fresh.sln")), "dotnet new wrote no solution");
        Assert.True(File.Exists(Path.Combine(folder, "cdk", "HybridPipeline", "pattern.json")), "the pattern's manifest is missing");
    }
}
