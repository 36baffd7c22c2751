using System.Diagnostics;
using System.Runtime.InteropServices;
using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.JSII.Runtime.Deputy;
using Constructs;
using LambdaArchitecture = Amazon.CDK.AWS.Lambda.Architecture;

namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>What to build and for which CPU.</summary>
/// <param name="ProjectPath">The function's .csproj, relative to the repository root.</param>
/// <param name="Architecture">The function's architecture; the build targets the matching Linux runtime identifier.</param>
/// <param name="AssemblyName">The executable's name before it is renamed to <c>bootstrap</c>; defaults to the project's
/// <c>&lt;AssemblyName&gt;</c>, or its file name when it sets none.</param>
public sealed record DotNetAotCodeOptions(string ProjectPath, LambdaArchitecture Architecture, string? AssemblyName = null);

/// <summary>
/// Lambda code for the <c>provided.al2023</c> runtime, compiled with .NET Native AOT while <c>cdk synth</c>
/// stages the asset: with <c>dotnet publish</c> on the host when it can build for the target, otherwise in a
/// Docker build image. Share the returned <see cref="Code"/> between functions of one stack to build once.
/// </summary>
public static class DotNetAotCode
{
    /// <summary>Folders that are never part of a function build; leaving them out keeps hashing quick.</summary>
    public static IReadOnlyList<string> SourceExcludes { get; } =
    [
        "node_modules", "cdk.out", ".git", ".vs", "**/bin", "**/obj", "**/TestResults", "tests", "tools", "artifacts",
    ];

    /// <summary>Where finished builds are kept by input hash, relative to the repository root (git ignores it).</summary>
    public const string BuildCacheFolder = "artifacts/aot";

    private static readonly System.Collections.Concurrent.ConcurrentQueue<AotBuildRecord> Builds = new();

    /// <summary>The local builds this process made or reused, in order: what a test reads to see that nothing was rebuilt.</summary>
    public static IReadOnlyCollection<AotBuildRecord> BuildHistory => Builds;

    internal static void Record(AotBuildRecord build) => Builds.Enqueue(build);

    private const string BuildImageFolder = "cdk/Constructs/DotNetAotBuildImage";

    // Used only when no Docker build is needed (local build possible, or bundling skipped); the CDK never
    // runs it then, but BundlingOptions requires an image.
    private const string UnusedImage = "public.ecr.aws/amazonlinux/amazonlinux:2023";

    public static Code FromProject(Construct scope, DotNetAotCodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(options);
        var projectFile = RepositoryLayout.PathFromRoot(options.ProjectPath);
        if (!File.Exists(projectFile) || !projectFile.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{options.ProjectPath}' is not a .csproj file under {RepositoryLayout.Root}.", nameof(options));
        }

        var assemblyName = options.AssemblyName ?? AssemblyNameOf(projectFile);
        var runtimeIdentifier = RuntimeIdentifierFor(options.Architecture);
        // The asset is named after what the build reads and how it builds, not after the whole repository: an edit
        // under cdk/ or tests/ then neither changes the asset nor starts another Native AOT build.
        var inputHash = DotNetBuildInputs.Hash(RepositoryLayout.Root, projectFile,
            $"dotnet publish -c Release -r {runtimeIdentifier} --self-contained -p:PublishAot=true; {assemblyName} -> bootstrap; .NET {System.Environment.Version}");
        var build = new AotBuild(projectFile, assemblyName, runtimeIdentifier, options.Architecture, inputHash);
        var local = new LocalDotNetAotBundling(build);

        // DockerImage.FromBuild runs `docker build` the moment it is called, so build the image only when
        // this synthesis will really need it.
        var needsDocker = Stack.Of(scope).BundlingRequired && !LocalDotNetAotBundling.CanBuildOnHost(build, out _);
        var image = needsDocker
            ? DockerImage.FromBuild(RepositoryLayout.PathFromRoot(BuildImageFolder), new DockerBuildOptions { Platform = build.DockerPlatform })
            : DockerImage.FromRegistry(UnusedImage);

        var relativeProject = Path.GetRelativePath(RepositoryLayout.Root, projectFile).Replace('\\', '/');
        return Code.FromAsset(RepositoryLayout.Root, new Amazon.CDK.AWS.S3.Assets.AssetOptions
        {
            Exclude = [.. SourceExcludes],
            AssetHashType = AssetHashType.CUSTOM,
            AssetHash = inputHash,
            Bundling = new BundlingOptions
            {
                Image = image,
                Platform = build.DockerPlatform,
                Local = local,
                Command =
                [
                    "bash", "-c",
                    $"dotnet publish /asset-input/{relativeProject} -c Release -r {build.RuntimeIdentifier} --self-contained -p:PublishAot=true --artifacts-path /tmp/artifacts -o /asset-output"
                    + $" && mv /asset-output/{build.AssemblyName} /asset-output/bootstrap"
                    + " && rm -f /asset-output/*.dbg /asset-output/*.pdb",
                ],
            },
        });
    }

    private static string RuntimeIdentifierFor(LambdaArchitecture architecture) =>
        architecture.Name == LambdaArchitecture.ARM_64.Name ? "linux-arm64" : "linux-x64";

    // What `dotnet publish` names the executable: the project's <AssemblyName>, else the project file's name.
    private static string AssemblyNameOf(string projectFile) =>
        System.Xml.Linq.XDocument.Load(projectFile).Descendants("AssemblyName").Select(e => e.Value.Trim()).LastOrDefault(v => v.Length > 0)
        ?? Path.GetFileNameWithoutExtension(projectFile);
}

/// <summary>One local build that bundling made (<paramref name="Reused"/> false: it ran <c>dotnet publish</c>) or took from the cache.</summary>
public sealed record AotBuildRecord(string ProjectFile, string InputHash, bool Reused);

/// <summary>One function build: project, executable name, target, and the hash of its inputs.</summary>
internal sealed record AotBuild(string ProjectFile, string AssemblyName, string RuntimeIdentifier, LambdaArchitecture Architecture, string InputHash)
{
    public string DockerPlatform => RuntimeIdentifier == "linux-arm64" ? "linux/arm64" : "linux/amd64";

    public System.Runtime.InteropServices.Architecture HostArchitecture => RuntimeIdentifier == "linux-arm64"
        ? System.Runtime.InteropServices.Architecture.Arm64
        : System.Runtime.InteropServices.Architecture.X64;
}

/// <summary>
/// Runs <c>dotnet publish</c> on the host. Derives from DeputyBase because the CDK (in Node) calls it
/// through jsii; without that base class the callback is silently never made.
/// </summary>
internal sealed class LocalDotNetAotBundling : DeputyBase, ILocalBundling
{
    private readonly AotBuild build;

    public LocalDotNetAotBundling(AotBuild build)
    {
        this.build = build;
    }

    public static bool CanBuildOnHost(AotBuild build, out string reason)
    {
        if (!OperatingSystem.IsLinux())
        {
            reason = "the host is not Linux";
        }
        else if (RuntimeInformation.OSArchitecture != build.HostArchitecture)
        {
            reason = $"the host CPU is {RuntimeInformation.OSArchitecture}, the function's is {build.HostArchitecture}";
        }
        else if (FindOnPath("dotnet") is null)
        {
            reason = "dotnet is not on PATH";
        }
        else if (FindOnPath("clang") is null && FindOnPath("gcc") is null)
        {
            reason = "no C toolchain (clang or gcc) is on PATH";
        }
        else
        {
            reason = string.Empty;
            return true;
        }

        return false;
    }

    // The CDK calls this synchronously from its asset staging; there is no asynchronous variant to await.
    public bool TryBundle(string outputDir, IBundlingOptions options)
    {
        if (!CanBuildOnHost(build, out var reason))
        {
            Console.Error.WriteLine($"bundling {build.AssemblyName} in Docker ({build.RuntimeIdentifier}, Native AOT): {reason}");
            return false;
        }

        // A synthesis into a fresh folder (every test, `cdk synth -o elsewhere`) would otherwise publish again: take the
        // output of an earlier build of the same inputs instead.
        var cached = Path.Combine(RepositoryLayout.Root, DotNetAotCode.BuildCacheFolder, build.InputHash);
        if (Directory.Exists(cached))
        {
            Console.Error.WriteLine($"bundling {build.AssemblyName}: reusing the Native AOT build of the same inputs in {DotNetAotCode.BuildCacheFolder}/{build.InputHash}");
            CopyFolder(cached, outputDir);
            DotNetAotCode.Record(new AotBuildRecord(build.ProjectFile, build.InputHash, Reused: true));
            return true;
        }

        Console.Error.WriteLine($"bundling {build.AssemblyName} with local dotnet publish ({build.RuntimeIdentifier}, Native AOT)");
        var artifacts = Path.Combine(Path.GetTempPath(), "dotnet-aot-bundling", Guid.NewGuid().ToString("N"));
        try
        {
            Publish(outputDir, artifacts);
        }
        finally
        {
            // Intermediate files live outside the repository so that a bundling run never disturbs the
            // developer's own obj/ folders (which hold no runtime identifier).
            if (Directory.Exists(artifacts))
            {
                Directory.Delete(artifacts, recursive: true);
            }
        }

        var executable = Path.Combine(outputDir, build.AssemblyName);
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"dotnet publish of {build.ProjectFile} produced no '{build.AssemblyName}' executable in {outputDir}; set AssemblyName to the project's <AssemblyName>.");
        }

        // provided.al2023 starts the file named bootstrap.
        File.Move(executable, Path.Combine(outputDir, "bootstrap"), overwrite: true);
        foreach (var symbols in Directory.EnumerateFiles(outputDir, "*.*", SearchOption.AllDirectories)
            .Where(file => file.EndsWith(".dbg", StringComparison.Ordinal) || file.EndsWith(".pdb", StringComparison.Ordinal)))
        {
            File.Delete(symbols);
        }

        Keep(outputDir, cached);
        DotNetAotCode.Record(new AotBuildRecord(build.ProjectFile, build.InputHash, Reused: false));
        return true;
    }

    // Copied into a folder of its own and then renamed, so that a reader never sees half a build; when another process
    // kept the same build first, its copy stays.
    private static void Keep(string outputDir, string cached)
    {
        var staging = cached + "." + Guid.NewGuid().ToString("N");
        CopyFolder(outputDir, staging);
        try
        {
            Directory.Move(staging, cached);
        }
        catch (IOException) when (Directory.Exists(cached))
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    // File.Copy keeps the Unix permissions, so bootstrap stays executable.
    private static void CopyFolder(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var directory in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, directory)));
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(target, Path.GetRelativePath(source, file)), overwrite: true);
        }
    }

    private void Publish(string outputDir, string artifacts)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "publish", build.ProjectFile, "-c", "Release", "-r", build.RuntimeIdentifier, "--self-contained",
            "-p:PublishAot=true", "--artifacts-path", artifacts, "-o", outputDir, "--nologo",
        })
        {
            start.ArgumentList.Add(argument);
        }

        // When the CDK app itself runs under `dotnet run` or `dotnet test`, the parent's MSBuild settings
        // are in the environment and would steer the child build to the wrong SDK paths.
        foreach (var name in start.Environment.Keys.Where(key => key.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        using var process = new Process { StartInfo = start };
        var output = new List<string>();
        void Collect(object sender, DataReceivedEventArgs line)
        {
            if (line.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.Add(line.Data);
            }

            Console.Error.WriteLine(line.Data);
        }

        process.OutputDataReceived += Collect;
        process.ErrorDataReceived += Collect;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            string tail;
            lock (output)
            {
                tail = string.Join(System.Environment.NewLine, output.TakeLast(30));
            }

            throw new InvalidOperationException($"dotnet publish of {build.ProjectFile} failed with exit code {process.ExitCode}:{System.Environment.NewLine}{tail}");
        }
    }

    private static string? FindOnPath(string program) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
