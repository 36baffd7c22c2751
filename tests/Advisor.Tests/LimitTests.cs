using ReferenceArchitectures.Tools.Advisor.Estimation;
using ReferenceArchitectures.Tools.Advisor.Workload;

namespace ReferenceArchitectures.Advisor.Tests;

/// <summary>Every documented limit that rules a pattern out, just over it and just within it.</summary>
public sealed class LimitTests
{
    private static readonly WorkloadProfile Baseline = new WorkloadProfile { RequestsPerDay = 10_000 }.Validated();

    private static PatternEstimate Estimate(WorkloadProfile profile, Pattern pattern) =>
        TestPrices.Estimator().EstimateAll(profile.Validated()).Single(estimate => estimate.Pattern == pattern);

    [Fact]
    public void A_job_over_15_minutes_rules_out_lambda_but_not_the_pipelines_heavy_path()
    {
        var profile = Baseline with { LongestJob = TimeSpan.FromMinutes(16), P95Duration = TimeSpan.FromMinutes(12), MeanDuration = TimeSpan.FromMinutes(5), Synchronous = false };

        var lambda = Estimate(profile, Pattern.LambdaBedrock);
        var pipeline = Estimate(profile, Pattern.HybridPipeline);

        Assert.Contains(lambda.RuledOutBy, reason => reason.StartsWith("15 minutes", StringComparison.Ordinal));
        Assert.True(pipeline.CanRun);
        Assert.Contains(pipeline.LineItems, item => item.Name.StartsWith("Fargate worker", StringComparison.Ordinal));
    }

    [Fact]
    public void A_job_of_exactly_15_minutes_fits_lambda()
    {
        var profile = Baseline with { LongestJob = TimeSpan.FromMinutes(15), P95Duration = TimeSpan.FromMinutes(10) };

        Assert.True(Estimate(profile, Pattern.LambdaBedrock).CanRun);
    }

    [Fact]
    public void Memory_over_10_GB_rules_out_lambda_and_fargate_takes_a_larger_task()
    {
        var profile = Baseline with { MemoryMiB = 12 * 1024 };

        var lambda = Estimate(profile, Pattern.LambdaBedrock);
        var fargate = Estimate(profile, Pattern.FargateModel);

        Assert.Contains(lambda.RuledOutBy, reason => reason.StartsWith("10 GB", StringComparison.Ordinal));
        Assert.True(fargate.CanRun);
        Assert.Contains(fargate.Notes, note => note.Contains("smallest Fargate size", StringComparison.Ordinal));
    }

    [Fact]
    public void Memory_of_exactly_10240_MB_fits_lambda()
    {
        Assert.True(Estimate(Baseline with { MemoryMiB = 10_240 }, Pattern.LambdaBedrock).CanRun);
    }

    [Fact]
    public void Needing_a_gpu_leaves_only_the_gpu_pattern()
    {
        var estimates = TestPrices.Estimator().EstimateAll(Baseline with { NeedsGpu = true, Synchronous = false });

        Assert.Equal([Pattern.GpuInference], estimates.Where(estimate => estimate.CanRun).Select(estimate => estimate.Pattern));
        Assert.All(estimates.Where(estimate => !estimate.CanRun), estimate => Assert.Contains(estimate.RuledOutBy, reason => reason.StartsWith("GPU", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_synchronous_payload_over_6_MB_rules_out_lambda()
    {
        var over = Estimate(Baseline with { PayloadBytes = 6.5 * 1024 * 1024 }, Pattern.LambdaBedrock);
        var within = Estimate(Baseline with { PayloadBytes = 6 * 1024 * 1024 }, Pattern.LambdaBedrock);

        Assert.Contains(over.RuledOutBy, reason => reason.StartsWith("6 MB", StringComparison.Ordinal));
        Assert.True(within.CanRun);
    }

    [Fact]
    public void Memory_over_120_GB_rules_out_fargate()
    {
        var fargate = Estimate(Baseline with { MemoryMiB = 130 * 1024 }, Pattern.FargateModel);

        Assert.Contains(fargate.RuledOutBy, reason => reason.StartsWith("16 vCPU/120 GB", StringComparison.Ordinal));
    }

    [Fact]
    public void More_than_16_vcpus_per_request_rules_out_fargate_and_more_than_6_rules_out_lambda()
    {
        var profile = Baseline with { Vcpus = 20, MemoryMiB = 64 * 1024 };

        var fargate = Estimate(profile, Pattern.FargateModel);
        var lambda = Estimate(profile, Pattern.LambdaBedrock);

        Assert.Contains(fargate.RuledOutBy, reason => reason.StartsWith("16 vCPU/120 GB", StringComparison.Ordinal));
        Assert.Contains(lambda.RuledOutBy, reason => reason.StartsWith("6 vCPUs", StringComparison.Ordinal));
    }

    [Fact]
    public void Exactly_16_vcpus_and_120_GB_fit_fargate()
    {
        Assert.True(Estimate(Baseline with { Vcpus = 16, MemoryMiB = 120 * 1024 }, Pattern.FargateModel).CanRun);
    }

    [Fact]
    public void A_model_larger_than_the_a10g_memory_rules_out_the_gpu_pattern()
    {
        var gpu = Estimate(Baseline with { NeedsGpu = true, ModelBytes = 30d * 1024 * 1024 * 1024 }, Pattern.GpuInference);

        Assert.Contains(gpu.RuledOutBy, reason => reason.StartsWith("GPU memory", StringComparison.Ordinal));
    }

    [Fact]
    public void A_synchronous_workload_rules_out_the_pipeline()
    {
        Assert.Contains(Estimate(Baseline, Pattern.HybridPipeline).RuledOutBy, reason => reason.StartsWith("Synchronous", StringComparison.Ordinal));
    }

    [Fact]
    public void No_runnable_pattern_gives_no_recommendation()
    {
        var profile = Baseline with { NeedsGpu = true, ModelBytes = 40d * 1024 * 1024 * 1024 };
        var estimates = TestPrices.Estimator().EstimateAll(profile);

        var recommendation = Recommendation.From(estimates, breakEven: null);

        Assert.Null(recommendation.Pattern);
    }

    [Theory]
    [InlineData(0.25, 1536, 256, 2048)]
    [InlineData(0.25, 512, 256, 512)]
    [InlineData(1, 2500, 1024, 3072)]
    [InlineData(0.5, 5000, 1024, 5120)]
    [InlineData(8, 40000, 8192, 40960)]
    public void The_advisor_proposes_only_Fargate_sizes_that_Fargate_accepts(double vcpus, double memoryMiB, int cpuUnits, int memory)
    {
        var size = AwsLimits.SmallestFargateSize(vcpus, memoryMiB);

        Assert.Equal((cpuUnits, memory), size);
        Assert.True(ReferenceArchitectures.Cdk.Constructs.FargateTaskSizes.Allows(size!.Value.CpuUnits, size.Value.MemoryMiB));
    }
}
