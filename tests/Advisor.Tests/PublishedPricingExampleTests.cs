using ReferenceArchitectures.Tools.Advisor.Estimation;
using ReferenceArchitectures.Tools.Advisor.Pricing;

namespace ReferenceArchitectures.Advisor.Tests;

/// <summary>
/// The advisor's arithmetic against AWS's own worked examples. Each test uses the unit prices the example itself
/// states (examples round them), so it checks the arithmetic, not today's price list.
/// </summary>
public sealed class PublishedPricingExampleTests
{
    [Fact]
    public void Lambda_example_1_512_MB_3_million_one_second_invocations_costs_18_74()
    {
        // https://aws.amazon.com/lambda/pricing/, Example 1 (US East): 512 MB, 3M invocations of 1 s, free tier applied,
        // $0.00001667 per GB-s and $0.20 per 1M requests: compute $18.34 + requests $0.40 = $18.74 a month.
        var estimator = new CostEstimator(TestPrices.With((PriceKeys.LambdaGbSecond(CpuArchitecture.X64), 0.00001667)), DeploymentShapes.Defaults, includeFreeTier: true);

        var (requestsUsd, durationUsd, gbSeconds) = estimator.LambdaCharges(3_000_000, 1, 512, CpuArchitecture.X64);

        Assert.Equal(1_500_000, gbSeconds);
        Assert.Equal(18.34, Math.Round(durationUsd, 2));
        Assert.Equal(0.40, Math.Round(requestsUsd, 2));
        Assert.Equal(18.74, Math.Round(requestsUsd + durationUsd, 2));
    }

    [Fact]
    public void Lambda_example_2_128_MB_30_million_200_ms_invocations_costs_11_63()
    {
        // https://aws.amazon.com/lambda/pricing/, Example 2 (US East): 128 MB, 30M invocations of 200 ms, free tier applied:
        // 750,000 GB-s − 400,000 free = 350,000 × $0.00001667 = $5.83; 29M billable requests × $0.20/M = $5.80; $11.63.
        var estimator = new CostEstimator(TestPrices.With((PriceKeys.LambdaGbSecond(CpuArchitecture.X64), 0.00001667)), DeploymentShapes.Defaults, includeFreeTier: true);

        var (requestsUsd, durationUsd, gbSeconds) = estimator.LambdaCharges(30_000_000, 0.2, 128, CpuArchitecture.X64);

        Assert.Equal(750_000, gbSeconds, precision: 6);
        Assert.Equal(5.83, Math.Round(durationUsd, 2));
        Assert.Equal(5.80, Math.Round(requestsUsd, 2));
        Assert.Equal(11.63, Math.Round(requestsUsd + durationUsd, 2));
    }

    [Fact]
    public void Fargate_example_5_tasks_of_1_vCPU_2_GB_for_10_minutes_a_day_costs_1_23()
    {
        // https://aws.amazon.com/fargate/pricing/, Example 1 (US East, Linux/x86): 5 ECS tasks of 1 vCPU and 2 GB running
        // 10 minutes (600 s) a day for 30 days: CPU 5 × 1 × $0.000011244/s × 600 × 30 = $1.01, memory
        // 5 × 2 × $0.000001235/s × 600 × 30 = $0.22, total $1.23. Per hour those rates are $0.04048 and $0.004445.
        var estimator = TestPrices.Estimator();
        var taskHours = 5 * 600.0 * 30 / 3600;

        var (vcpuUsd, memoryUsd) = estimator.FargateCharges(taskHours, vcpus: 1, memoryGb: 2, CpuArchitecture.X64);

        Assert.Equal(1.01, Math.Round(vcpuUsd, 2));
        Assert.Equal(0.22, Math.Round(memoryUsd, 2));
        Assert.Equal(1.23, Math.Round(vcpuUsd + memoryUsd, 2));
    }

    [Fact]
    public void Http_api_requests_above_300_million_are_charged_at_the_lower_tier()
    {
        // https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html
        // (table 4, us-east-1): first 300 million requests a month $1.00 per million, 300+ million $0.90 per million.
        // One billion requests: 300 × $1.00 + 700 × $0.90 = $930.
        var estimator = TestPrices.Estimator();

        var (metered, usd) = estimator.HttpApiCharges(1_000_000_000, payloadBytes: 2048);

        Assert.Equal(1_000_000_000, metered);
        Assert.Equal(930.00, Math.Round(usd, 2));
    }

    [Fact]
    public void Http_api_requests_are_metered_in_512_KB_increments()
    {
        // Same AWS page: "HTTP APIs are metered in 512 KB increments" — a 513 KB request counts as two.
        var estimator = TestPrices.Estimator();

        var (exactly512, _) = estimator.HttpApiCharges(1_000_000, payloadBytes: 512 * 1024);
        var (over512, usd) = estimator.HttpApiCharges(1_000_000, payloadBytes: 513 * 1024);

        Assert.Equal(1_000_000, exactly512);
        Assert.Equal(2_000_000, over512);
        Assert.Equal(2.00, Math.Round(usd, 2));
    }

    [Fact]
    public void Step_functions_example_100_thousand_executions_of_4_transitions_costs_9_90()
    {
        // https://aws.amazon.com/step-functions/pricing/, Standard workflows example: a 4-transition workflow run 100,000
        // times a month is 400,000 transitions; less the 4,000 free, 396,000 × $0.025/1,000 = $9.90.
        var estimator = new CostEstimator(TestPrices.Repository, DeploymentShapes.Defaults, includeFreeTier: true);

        var usd = estimator.StepFunctionsCharges(400_000);

        Assert.Equal(9.90, Math.Round(usd, 2));
    }

    [Fact]
    public void Load_balancer_capacity_units_are_the_largest_of_the_dimensions()
    {
        // https://aws.amazon.com/elasticloadbalancing/pricing/: an LCU is 25 new connections/s, 3,000 active
        // connections/min or 1 GB processed an hour; the hour is billed on the dimension that uses the most.
        var byConnections = CostEstimator.LoadBalancerCapacityUnits(requestsPerSecond: 50, concurrentRequests: 1, payloadBytes: 100);
        var byBytes = CostEstimator.LoadBalancerCapacityUnits(requestsPerSecond: 1, concurrentRequests: 1, payloadBytes: 1024 * 1024 * 1024 / 7200.0);

        Assert.Equal(2, byConnections, precision: 6);
        Assert.Equal(1, byBytes, precision: 6);
    }
}
