using ReferenceArchitectures.Cdk;

namespace ReferenceArchitectures.Templates.Tests;

/// <summary>
/// Packs templates/ once per test run as README says, in a fresh clone with nothing built: the repository's source
/// files (tracked, and untracked but not ignored, as `git ls-files -co --exclude-standard` lists them) are copied to a
/// temporary folder without bin/ or obj/, and README's `dotnet pack templates -c Release -o artifacts` runs there. The
/// package goes into a template cache of its own (a temporary folder given to `dotnet new` as its hive), so the user's
/// own `dotnet new` setup is never touched. Test classes that run in parallel share the one package: each takes this as
/// a class fixture, and all of them await the same pack.
/// </summary>
public sealed class TemplatePackageFixture : IAsyncLifetime
{
    /// <summary>README's pack command, run in the fresh clone.</summary>
    public static readonly string[] PackCommand = ["pack", "templates", "-c", "Release", "-o", "artifacts"];

    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    private static readonly Lazy<Task<InstalledPackage>> Shared = new(InstallAsync);

    private InstalledPackage package = null!;

    public DirectoryInfo Work => package.Work;

    /// <summary>The files copied into the fresh clone, root-relative.</summary>
    public IReadOnlyList<string> ClonedFiles => package.ClonedFiles;

    /// <summary>The package as the pack wrote it, relative to the clone: artifacts/&lt;id&gt;.&lt;version&gt;.nupkg.</summary>
    public string? PackageFile => package.PackageFile;

    public async Task InitializeAsync() => package = await Shared.Value;

    /// <summary>Fails the calling test with the copy, pack or install output unless all three worked.</summary>
    public void EnsureInstalled()
    {
        Assert.True(package.Copy.ExitCode == 0, package.Copy.Describe());
        Assert.True(package.Pack is { ExitCode: 0 } && package.PackageFile is not null, package.Pack?.Describe() ?? "dotnet pack did not run");
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
        // The clone sits beside the generated projects, not above them, so that its Directory.Build.props reaches none.
        var clone = Path.Combine(work.FullName, "clone");
        var hive = Path.Combine(work.FullName, "hive");

        var (copy, files) = await CopySourceAsync(RepositoryLayout.Root, clone);
        if (copy.ExitCode != 0)
        {
            return new InstalledPackage(work, files, hive, copy, null, null, null);
        }

        var pack = await Processes.RunAsync(Processes.DotNet, PackCommand, clone, Limit);
        var artifacts = Path.Combine(clone, "artifacts");
        var packageFile = Directory.Exists(artifacts) ? Directory.EnumerateFiles(artifacts, "*.nupkg").SingleOrDefault() : null;
        var install = packageFile is null
            ? null
            : await Processes.RunAsync(Processes.DotNet, ["new", "install", packageFile, "--debug:custom-hive", hive], work.FullName, Limit);
        var packed = packageFile is null ? null : Path.GetRelativePath(clone, packageFile).Replace('\\', '/');

        // The hive keeps its own copy of the package; the clone (some 200 MB once built) is not needed any more, and
        // a test host that is stopped rather than ended never runs the ProcessExit clean-up.
        if (install is { ExitCode: 0 })
        {
            Directory.Delete(clone, recursive: true);
        }

        return new InstalledPackage(work, files, hive, copy, pack, packed, install);
    }

    // What a fresh clone would hold, plus the work in progress that is not committed yet (untracked files that are not
    // ignored), so the test checks the tree as it is. Ignored files (bin/, obj/, node_modules/, templates/content/)
    // stay behind. Only regular files are copied: in a git worktree, node_modules may be a link that git lists as a file.
    private static async Task<(CommandResult Result, IReadOnlyList<string> Files)> CopySourceAsync(string root, string clone)
    {
        var listing = await Processes.RunAsync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], root, Limit);
        if (listing.ExitCode != 0)
        {
            return (listing, []);
        }

        // The output holds stderr too; on a line of its own, a warning never names an existing file.
        var files = listing.Output.Split(['\0', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Where(file => File.Exists(Path.Combine(root, file)) && !File.GetAttributes(Path.Combine(root, file)).HasFlag(FileAttributes.ReparsePoint))
            .ToList();
        foreach (var file in files)
        {
            var target = Path.Combine(clone, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(root, file), target);
        }

        return (listing, files);
    }

    private sealed record InstalledPackage(
        DirectoryInfo Work, IReadOnlyList<string> ClonedFiles, string Hive, CommandResult Copy, CommandResult? Pack, string? PackageFile, CommandResult? Install);
}
