namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>
/// The templates as <c>cdk deploy</c> synthesizes them, bound to an account and a Region (us-east-1, eu-west-1 and
/// ap-southeast-5, see <see cref="PinnedAppsFixture"/>). A concrete Region changes what the CDK writes: the load
/// balancer's log-delivery principal, the Availability Zones, ARNs with the Region and account filled in, and so the
/// names of cdk-nag's findings. Each Region's templates have snapshots of their own and pass both cdk-nag packs.
/// </summary>
[Collection(SynthesizedApp.Name)]
public sealed class PinnedTemplateTests(PinnedAppsFixture pinned)
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(3);

    public static TheoryData<string> Regions() => [.. PinnedAppsFixture.Regions];

    [Theory]
    [MemberData(nameof(Regions))]
    public void Every_template_matches_its_snapshot_for_the_region(string region)
    {
        var stacks = pinned.Stacks[region].Values.ToList();

        Assert.NotEmpty(stacks);
        foreach (var stack in stacks)
        {
            Snapshot.Verify(stack, region);
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Every_template_passes_cdk_nag_in_every_pinned_region()
    {
        using var timeout = new CancellationTokenSource(SafetyNet);
        var templates = pinned.Stacks.Values.SelectMany(stacks => stacks.Values).Select(stack => stack.TemplatePath).ToList();

        // One Node.js process for all Regions: loading aws-cdk-lib and cdk-nag is most of a run's cost.
        var result = await NagCheck.RunAsync(templates, timeout.Token);

        Assert.Equal(PinnedAppsFixture.Regions.Length * pinned.Stacks[PinnedAppsFixture.Regions[0]].Count, templates.Count);
        Assert.True(result.ExitCode == 0, result.Output);
    }
}
