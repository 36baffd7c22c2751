using ReferenceArchitectures.Tools.Advisor;

namespace ReferenceArchitectures.Advisor.Tests;

/// <summary>The command as a user runs it: bad input gives one clear line and exit code 2, never a stack trace.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly DirectoryInfo scratch = Directory.CreateTempSubdirectory("advisor-test-");

    public void Dispose() => scratch.Delete(recursive: true);

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exitCode = await AdvisorCommand.RunAsync(args, output, errors, CancellationToken.None);
        return (exitCode, output.ToString(), errors.ToString());
    }

    private static void AssertRejected((int ExitCode, string Output, string Errors) result, string expected)
    {
        Assert.Equal(AdvisorCommand.BadInput, result.ExitCode);
        Assert.Contains(expected, result.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Errors, StringComparison.Ordinal);
    }

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(scratch.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task A_negative_request_rate_is_rejected()
    {
        AssertRejected(await RunAsync("--requests-per-day", "-5"), "negative");
    }

    [Fact]
    public async Task A_zero_request_rate_is_rejected()
    {
        AssertRejected(await RunAsync("--requests-per-day", "0"), "request rate above zero");
    }

    [Fact]
    public async Task An_unknown_size_unit_is_rejected()
    {
        AssertRejected(await RunAsync("--requests-per-day", "100", "--memory", "512XB"), "unknown size unit 'XB'");
    }

    [Fact]
    public async Task An_unknown_duration_unit_is_rejected()
    {
        AssertRejected(await RunAsync("--requests-per-day", "100", "--mean-duration", "3 fortnights"), "unknown duration unit 'fortnights'");
    }

    [Fact]
    public async Task A_duration_without_a_unit_is_rejected()
    {
        AssertRejected(await RunAsync("--requests-per-day", "100", "--mean-duration", "250"), "has no unit");
    }

    [Fact]
    public async Task A_yaml_profile_that_does_not_parse_is_rejected_with_its_position()
    {
        var path = WriteFile("broken.yaml", "requestsPerDay: 100\nmeanDuration: [250ms\n");

        AssertRejected(await RunAsync("--profile", path), "does not parse as YAML at line");
    }

    [Fact]
    public async Task A_json_profile_that_does_not_parse_is_rejected()
    {
        var path = WriteFile("broken.json", "{ \"requestsPerDay\": 100, \"meanDuration\": \"250ms\"");

        AssertRejected(await RunAsync("--profile", path), "does not parse as JSON");
    }

    [Fact]
    public async Task A_profile_with_an_unknown_key_is_rejected_naming_the_known_ones()
    {
        var path = WriteFile("typo.json", "{ \"requestsPerDya\": 100 }");

        AssertRejected(await RunAsync("--profile", path), "unknown key 'requestsPerDya'. Known keys: requestsPerDay");
    }

    [Fact]
    public async Task A_missing_profile_file_is_rejected()
    {
        AssertRejected(await RunAsync("--profile", Path.Combine(scratch.FullName, "absent.yaml")), "cannot read the profile file");
    }

    [Fact]
    public async Task An_unknown_option_is_rejected()
    {
        AssertRejected(await RunAsync("--requests-per-day", "100", "--colour", "blue"), "unknown option '--colour'");
    }

    [Fact]
    public async Task A_region_without_prices_is_rejected_naming_the_regions_the_file_has()
    {
        AssertRejected(await RunAsync("--requests-per-day", "100", "--region", "eu-west-9"), "no prices for region 'eu-west-9' (it has: us-east-1)");
    }

    [Fact]
    public async Task A_p95_shorter_than_the_mean_is_rejected()
    {
        AssertRejected(await RunAsync("--requests-per-day", "100", "--mean-duration", "2s", "--p95-duration", "1s"), "cannot be shorter than meanDuration");
    }

    [Fact]
    public async Task A_template_that_is_not_ours_is_rejected()
    {
        var path = WriteFile("other.template.json", "{ \"Resources\": { \"Bucket\": { \"Type\": \"AWS::S3::Bucket\" } } }");

        AssertRejected(await RunAsync("--requests-per-day", "100", "--from-template", path), "not one of this repository's pattern templates");
    }

    [Fact]
    public async Task Options_override_the_profile_file()
    {
        var path = WriteFile("profile.yaml", "requestsPerDay: 100\nmeanDuration: 250ms\n");

        var (exitCode, output, _) = await RunAsync("--profile", path, "--requests-per-day", "5000");

        Assert.Equal(AdvisorCommand.Success, exitCode);
        Assert.Contains("Workload: 5,000 requests/day", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sporadic_chat_assistant_profile_is_recommended_lambda()
    {
        var (exitCode, output, _) = await RunAsync("--profile", ExampleProfile("chat-assistant.yaml"));

        Assert.Equal(AdvisorCommand.Success, exitCode);
        Assert.Contains("Recommendation: pattern 1 Lambda + Bedrock", output, StringComparison.Ordinal);
        Assert.Contains("Pattern 5 Lambda + local model (LambdaModelStack): RULED OUT", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_steady_embedding_service_profile_is_recommended_fargate_and_charts_are_written()
    {
        var charts = Path.Combine(scratch.FullName, "charts");

        var (exitCode, output, _) = await RunAsync("--profile", ExampleProfile("embedding-service.json"), "--chart-dir", charts);

        Assert.Equal(AdvisorCommand.Success, exitCode);
        Assert.Contains("Recommendation: pattern 2 Fargate + local model", output, StringComparison.Ordinal);
        // The same model on Lambda is priced, and the break-even is between the two stacks that deploy it.
        Assert.Matches(@"Pattern 5 Lambda \+ local model \(LambdaModelStack\): \$[0-9,.]+/month", output);
        Assert.Contains("Pattern 1 Lambda + Bedrock (LambdaBedrockStack): RULED OUT", output, StringComparison.Ordinal);
        Assert.Matches(@"Lambda \(pattern 5 Lambda \+ local model\) costs less below [0-9]+% and Fargate above", output);
        foreach (var chart in new[] { "break-even.png", "pattern-costs.png" })
        {
            var bytes = File.ReadAllBytes(Path.Combine(charts, chart));
            Assert.True(bytes.Length > 10_000, $"{chart} is only {bytes.Length} bytes");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }
    }

    private static string ExampleProfile(string name) =>
        Cdk.RepositoryLayout.PathFromRoot(Path.Combine("tools", "Advisor", "profiles", name));
}
