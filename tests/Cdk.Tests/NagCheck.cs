using System.Diagnostics;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>Runs nag/check-templates.mjs (cdk-nag's AwsSolutions pack) over template files.</summary>
public static class NagCheck
{
    public sealed record Result(int ExitCode, string Output);

    public static async Task<Result> RunAsync(IEnumerable<string> templatePaths, CancellationToken cancellationToken)
    {
        var root = RepositoryLayout.Root;
        Assert.True(
            Directory.Exists(Path.Combine(root, "node_modules", "cdk-nag")),
            $"node_modules/cdk-nag is missing; run `npm ci` in {root}.");

        var start = new ProcessStartInfo(NodeExecutable(root))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        start.ArgumentList.Add(Path.Combine(root, "tests", "Cdk.Tests", "nag", "check-templates.mjs"));
        foreach (var path in templatePaths)
        {
            start.ArgumentList.Add(path);
        }

        start.Environment["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return new Result(process.ExitCode, await stdout + await stderr);
    }

    private static string NodeExecutable(string root)
    {
        // package.json pins a Node 22 binary; fall back to the node on PATH.
        var pinned = Path.Combine(root, "node_modules", ".bin", "node");
        return File.Exists(pinned) ? pinned : "node";
    }
}
