using ReferenceArchitectures.Cdk;

namespace ReferenceArchitectures.Templates.Tests;

/// <summary>
/// Packs templates/ once per test run with `dotnet pack` and installs the package into a template cache of its own (a
/// temporary folder given to `dotnet new` as its hive), so the user's own `dotnet new` setup is never touched. Test
/// classes that run in parallel share the one package: each takes this as a class fixture, and all of them await the
/// same pack.
/// </summary>
public sealed class TemplatePackageFixture : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    private static readonly Lazy<Task<InstalledPackage>> Shared = new(InstallAsync);

    private InstalledPackage package = null!;

    public DirectoryInfo Work => package.Work;

    public async Task InitializeAsync() => package = await Shared.Value;

    /// <summary>Fails the calling test with the pack or install output unless both worked.</summary>
    public void EnsureInstalled()
    {
        Assert.True(package.Pack is { ExitCode: 0 } && package.PackageFile is not null, package.Pack.Describe());
        Assert.True(package.Install is { ExitCode: 0 }, package.Install?.Describe() ?? "dotnet new install did not run");
    }

    /// <summary>`dotnet new &lt;template&gt; -n &lt;name&gt; -o &lt;folder&gt; [options]` against the package's template cache.</summary>
    public Task<CommandResult> NewAsync(string shortName, string name, string folder, params string[] options) =>
        Processes.RunAsync(Processes.DotNet, ["new", shortName, "-n", name, "-o", folder, "--debug:custom-hive", package.Hive, .. options], Work.FullName, Limit);

    // The shared folder outlives every class that uses it; it goes when the test process ends.
    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<InstalledPackage> InstallAsync()
    {
        var work = Directory.CreateTempSubdirectory("dotnet-new-");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => work.Delete(recursive: true);
        var packages = Path.Combine(work.FullName, "package");
        var hive = Path.Combine(work.FullName, "hive");
        // Debug, like the solution's own build: the builder and the CDK app are then already built.
        var pack = await Processes.RunAsync(Processes.DotNet,
            ["pack", Path.Combine(RepositoryLayout.Root, "templates", "ReferenceArchitectures.Templates.csproj"), "-c", "Debug", "-o", packages, "-nologo", "-v:q"],
            RepositoryLayout.Root, Limit);
        var packageFile = Directory.Exists(packages) ? Directory.EnumerateFiles(packages, "*.nupkg").SingleOrDefault() : null;
        var install = packageFile is null
            ? null
            : await Processes.RunAsync(Processes.DotNet, ["new", "install", packageFile, "--debug:custom-hive", hive], work.FullName, Limit);
        return new InstalledPackage(work, hive, pack, packageFile, install);
    }

    private sealed record InstalledPackage(DirectoryInfo Work, string Hive, CommandResult Pack, string? PackageFile, CommandResult? Install);
}
