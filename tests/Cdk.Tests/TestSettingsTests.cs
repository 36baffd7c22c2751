namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>
/// The test run's settings reach the test host: `dotnet test` reads test.runsettings (Directory.Build.props names it),
/// whose environment turns off dynamic PGO for the test host and every process it starts, the builds of generated
/// projects among them. Without it the whole test command costs about a sixth more CPU (see test.runsettings).
/// </summary>
public sealed class TestSettingsTests
{
    [Fact]
    public void The_test_host_runs_with_the_repositorys_run_settings()
    {
        Assert.True(
            Environment.GetEnvironmentVariable("DOTNET_TieredPGO") == "0",
            "DOTNET_TieredPGO is not 0 in the test host: dotnet test did not read test.runsettings (RunSettingsFilePath in Directory.Build.props).");
    }
}
