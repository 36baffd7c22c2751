using ReferenceArchitectures.Cdk;

namespace ReferenceArchitectures.Templates.Tests;

/// <summary>
/// Packs templates/ once with `dotnet pack` and installs the package into a template cache of its own (a temporary
/// folder given to `dotnet new` as its hive), so the user's own `dotnet new` setup is never touched.
/// </summary>
public sealed class TemplatePackageFixture : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    public DirectoryInfo Work { get; } = Directory.CreateTempSubdirectory("dotnet-new-");

    public string Hive => Path.Combine(Work.FullName, "hive");

    public string? PackageFile { get; private set; }

    public CommandResult? Pack { get; private set; }

    public CommandResult? Install { get; private set; }

    public async Task InitializeAsync()
    {
        var packages = Path.Combine(Work.FullName, "package");
        // Debug, like the solution's own build: the builder and the CDK app are then already built.
        Pack = await Processes.RunAsync(Processes.DotNet,
            ["pack", Path.Combine(RepositoryLayout.Root, "templates", "ReferenceArchitectures.Templates.csproj"), "-c", "Debug", "-o", packages, "-nologo", "-v:q"],
            RepositoryLayout.Root, Limit);
        PackageFile = Directory.Exists(packages) ? Directory.EnumerateFiles(packages, "*.nupkg").SingleOrDefault() : null;
        if (PackageFile is not null)
        {
            Install = await Processes.RunAsync(Processes.DotNet, ["new", "install", PackageFile, "--debug:custom-hive", Hive], Work.FullName, Limit);
        }
    }

    /// <summary>Fails the calling test with the pack or install output unless both worked.</summary>
    public void EnsureInstalled()
    {
        Assert.True(Pack is { ExitCode: 0 } && PackageFile is not null, Pack?.Describe() ?? "dotnet pack did not run");
        Assert.True(Install is { ExitCode: 0 }, Install?.Describe() ?? "dotnet new install did not run");
    }

    /// <summary>`dotnet new &lt;template&gt; -n &lt;name&gt; -o &lt;folder&gt; [options]` against this fixture's template cache.</summary>
    public Task<CommandResult> NewAsync(string shortName, string name, string folder, params string[] options) =>
        Processes.RunAsync(Processes.DotNet, ["new", shortName, "-n", name, "-o", folder, "--debug:custom-hive", Hive, .. options], Work.FullName, Limit);

    public Task DisposeAsync()
    {
        Work.Delete(recursive: true);
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class TemplatePackageGroup : ICollectionFixture<TemplatePackageFixture>
{
    public const string Name = "template package";
}
