using System.Diagnostics;
using System.Text;

namespace ReferenceArchitectures.Templates.Tests;

/// <summary>The outcome of one command: its exit code, its output and how long it took.</summary>
public sealed record CommandResult(string Command, int ExitCode, string Output, TimeSpan Elapsed)
{
    /// <summary>The command, its exit code and the end of its output, for a failure message.</summary>
    public string Describe(int tailLines = 60)
    {
        var lines = Output.Split('\n');
        return $"`{Command}` exited with {ExitCode} after {Elapsed.TotalSeconds:F0} s; last lines:\n{string.Join('\n', lines.TakeLast(tailLines))}";
    }
}

/// <summary>Runs commands as a user would type them, with a time limit, keeping their output.</summary>
public static class Processes
{
    public static async Task<CommandResult> RunAsync(
        string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's own settings would steer a nested `dotnet test` into reporting to this one.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("VSTEST_", StringComparison.Ordinal) || k.StartsWith("TESTINGPLATFORM_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var command = $"{Path.GetFileName(fileName)} {string.Join(' ', start.ArgumentList)}";
        var output = new StringBuilder();
        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{fileName} could not be started.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            Append($"[stopped after the {timeout.TotalMinutes:F0}-minute limit]");
            return new CommandResult(command, -1, Snapshot(), stopwatch.Elapsed);
        }

        return new CommandResult(command, process.ExitCode, Snapshot(), stopwatch.Elapsed);

        void Append(string? line)
        {
            if (line is not null)
            {
                lock (output)
                {
                    output.Append(line).Append('\n');
                }
            }
        }

        string Snapshot()
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>The dotnet executable that runs this test, so nested commands use the same SDK.</summary>
    public static string DotNet => Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";

    /// <summary>npm from PATH; the tests need Node.js like the CDK CLI does.</summary>
    public static string Npm =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(folder => Path.Combine(folder, "npm"))
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("npm is not on PATH: the generated projects' `npm ci` and `npx cdk synth` need Node.js 20 or newer.");

    public static string Npx => Path.Combine(Path.GetDirectoryName(Npm)!, "npx");
}
