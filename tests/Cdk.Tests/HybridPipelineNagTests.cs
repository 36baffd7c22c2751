namespace ReferenceArchitectures.Cdk.Tests;

public sealed class HybridPipelineNagTests(HybridPipelineFixture pipeline) : IClassFixture<HybridPipelineFixture>
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Hybrid_pipeline_passes_cdk_nag_AwsSolutions()
    {
        using var timeout = new CancellationTokenSource(SafetyNet);

        var result = await NagCheck.RunAsync([pipeline.Stack.TemplatePath], timeout.Token);

        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Fact]
    public void Hybrid_pipeline_matches_its_snapshot() => Snapshot.Verify(pipeline.Stack);
}
