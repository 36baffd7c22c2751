using ReferenceArchitectures.Tools.Advisor.Estimation;
using ReferenceArchitectures.Tools.Advisor.Workload;

namespace ReferenceArchitectures.Advisor.Tests;

public sealed class BreakEvenTests
{
    private static readonly WorkloadProfile SteadyOneVcpuWork = new WorkloadProfile
    {
        RequestsPerDay = 1_000_000,
        MeanDuration = TimeSpan.FromMilliseconds(20),
        P95Duration = TimeSpan.FromMilliseconds(50),
        LongestJob = TimeSpan.FromSeconds(1),
        MemoryMiB = 1024,
        // The published rule compares Lambda behind its API with containers behind a load balancer only.
        CallersInVpc = true,
    }.Validated();

    [Fact]
    public void Lambda_is_cheaper_below_the_crossover_and_fargate_above_it()
    {
        var curves = BreakEven.Compute(TestPrices.Estimator(), SteadyOneVcpuWork);

        Assert.NotNull(curves.CrossoverUtilisation);
        var crossover = curves.CrossoverUtilisation.Value;
        var below = Enumerable.Range(0, curves.Utilisation.Count).Where(i => curves.Utilisation[i] < crossover * 0.9);
        var above = Enumerable.Range(0, curves.Utilisation.Count).Where(i => curves.Utilisation[i] > crossover * 1.1);
        Assert.All(below, i => Assert.True(curves.LambdaUsd[i] < curves.FargateUsd[i], $"at {curves.Utilisation[i]:P1}"));
        Assert.All(above, i => Assert.True(curves.LambdaUsd[i] > curves.FargateUsd[i], $"at {curves.Utilisation[i]:P1}"));
    }

    [Fact]
    public void The_crossover_for_steady_one_vcpu_work_falls_within_the_published_rule_of_thumb()
    {
        // The rule of thumb the issue quotes: Lambda below roughly 20%, Fargate above roughly 40%; the crossover lies between.
        var curves = BreakEven.Compute(TestPrices.Estimator(), SteadyOneVcpuWork);

        Assert.InRange(curves.CrossoverUtilisation!.Value, 0.2, 0.5);
    }

    [Fact]
    public void The_profile_utilisation_is_its_mean_concurrency_over_one_tasks_capacity()
    {
        // 1,000,000 requests a day × 20 ms = 0.2315 requests in flight; one 1-vCPU task holds one 1-vCPU request.
        var curves = BreakEven.Compute(TestPrices.Estimator(), SteadyOneVcpuWork);

        Assert.Equal(1_000_000 / 86_400.0 * 0.02, curves.ProfileUtilisation, precision: 9);
    }

    [Fact]
    public void A_workload_with_its_own_model_compares_the_model_on_lambda_with_the_model_on_fargate()
    {
        // The same model deployed both ways: pattern 5's curve is pattern 5's estimate at each rate, not pattern 1's
        // (which calls Bedrock and cannot run a local model).
        var estimator = TestPrices.Estimator();
        var profile = SteadyOneVcpuWork with { ModelBytes = 90e6 };

        var curves = BreakEven.Compute(estimator, profile);

        Assert.Equal(Pattern.LambdaModel, curves.LambdaPattern);
        Assert.Equal(Pattern.LambdaBedrock, BreakEven.Compute(estimator, SteadyOneVcpuWork).LambdaPattern);
        var i = curves.Utilisation.Count / 2;
        var scaled = profile with { RequestsPerDay = curves.Utilisation[i] * 86_400 / profile.MeanDuration.TotalSeconds };
        Assert.Equal(estimator.EstimateLambdaModel(scaled).MonthlyUsd, curves.LambdaUsd[i], precision: 6);
        Assert.NotNull(curves.CrossoverUtilisation);
    }
}
