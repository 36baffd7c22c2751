using System.Diagnostics;
using System.Text.Json.Nodes;
using ReferenceArchitectures.Cdk.HybridPipeline;

namespace ReferenceArchitectures.Pipeline.Tests;

public sealed class DefinitionValidationTests
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Synthesized_definition_passes_asl_validator()
    {
        using var timeout = new CancellationTokenSource(SafetyNet);
        var (exitCode, output) = await ValidateAsync(PipelineDefinition.Json, timeout.Token);

        Assert.True(exitCode == 0, $"asl-validator rejected the definition:\n{output}\n{PipelineDefinition.Json}");
    }

    [Fact]
    public async Task Asl_validator_rejects_a_definition_whose_transition_goes_nowhere()
    {
        using var timeout = new CancellationTokenSource(SafetyNet);
        var broken = JsonNode.Parse(PipelineDefinition.Json)!;
        broken["States"]![HybridPipelineStack.StateNames.Store]!["Next"] = "NoSuchState";
        var (exitCode, _) = await ValidateAsync(broken.ToJsonString(), timeout.Token);

        Assert.NotEqual(0, exitCode);
    }

    [Fact]
    public void Every_reference_in_the_definition_is_resolved()
    {
        var definition = PipelineDefinition.Json;

        Assert.DoesNotContain("Fn::", definition, StringComparison.Ordinal);
        Assert.DoesNotContain("${", definition, StringComparison.Ordinal);
        Assert.Contains($"arn:aws:lambda:{PipelineDefinition.Region}:{PipelineDefinition.AccountId}:function:", definition, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> ValidateAsync(string definitionJson, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("asl-");
        try
        {
            var path = Path.Combine(folder.FullName, "definition.json");
            await File.WriteAllTextAsync(path, definitionJson, cancellationToken);
            return await RunValidatorAsync(path, cancellationToken);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunValidatorAsync(string definitionPath, CancellationToken cancellationToken)
    {
        var validator = Cdk.RepositoryLayout.PathFromRoot(Path.Combine("node_modules", ".bin", "asl-validator"));
        Assert.True(File.Exists(validator), $"asl-validator is missing at {validator}; run `npm ci` in {Cdk.RepositoryLayout.Root}.");
        var start = new ProcessStartInfo(LocalStateMachine.NodeExecutable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(validator);
        start.ArgumentList.Add("--json-path");
        start.ArgumentList.Add(definitionPath);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }
}
