using ReferenceArchitectures.Cdk.LambdaModel;
using ReferenceArchitectures.Tools.Advisor;
using ReferenceArchitectures.Tools.Advisor.Estimation;
using ReferenceArchitectures.Tools.Advisor.Pricing;
using ReferenceArchitectures.Tools.Advisor.Workload;

namespace ReferenceArchitectures.Advisor.Tests;

/// <summary>
/// Pattern 5, the model in a Lambda function, priced from what its benchmark measured: which workloads it can run,
/// the duration a request takes at each memory size, and the cold starts it pays.
/// </summary>
public sealed class LambdaModelEstimateTests : IDisposable
{
    private const double Megabyte = 1e6;

    /// <summary>An embedding service: a 90 MB model, 15 ms a request on one vCPU (as the repository's example profile).</summary>
    private static readonly WorkloadProfile Embeddings = new WorkloadProfile
    {
        RequestsPerDay = 1_000_000,
        MeanDuration = TimeSpan.FromMilliseconds(15),
        P95Duration = TimeSpan.FromMilliseconds(40),
        LongestJob = TimeSpan.FromSeconds(1),
        MemoryMiB = 1024,
        ModelBytes = 90 * Megabyte,
    }.Validated();

    /// <summary>Figures in the benchmark's file format, chosen so that each rule's effect is visible.</summary>
    private static readonly LambdaModelFigures Figures = new(
        "test", PackageUnzippedBytes: 130 * Megabyte, ModelBytes: 90 * Megabyte, new MeasuredServer(MeanMs: 10),
        [
            new MeasuredLambdaSize(MemoryMb: 3008, InitMs: 600, FirstAnswerMs: 640, MeanMs: 12, P99Ms: 30, RatioToServer: 1.2),
            new MeasuredLambdaSize(MemoryMb: 512, InitMs: 2400, FirstAnswerMs: 2500, MeanMs: 48, P99Ms: 90, RatioToServer: 4.8),
            new MeasuredLambdaSize(MemoryMb: 1769, InitMs: 700, FirstAnswerMs: 730, MeanMs: 13, P99Ms: 40, RatioToServer: 1.3),
        ]);

    private readonly DirectoryInfo scratch = Directory.CreateTempSubdirectory("lambda-model-figures-");

    public void Dispose() => scratch.Delete(recursive: true);

    private LambdaModelFigures Loaded() => LambdaModelFigures.Load(Write("figures.json", System.Text.Json.JsonSerializer.Serialize(Figures)));

    private static CostEstimator Estimator(LambdaModelFigures figures, LambdaModelShape? shape = null) =>
        new(TestPrices.Repository, DeploymentShapes.Defaults with { LambdaModel = shape ?? DeploymentShapes.Defaults.LambdaModel }, lambdaModelFigures: figures);

    private string Write(string name, string text)
    {
        var path = Path.Combine(scratch.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void A_workload_with_its_own_model_rules_out_pattern_1_and_one_on_bedrock_rules_out_pattern_5()
    {
        var estimator = Estimator(Loaded());

        var local = estimator.EstimateAll(Embeddings);
        var bedrock = estimator.EstimateAll(Embeddings with { ModelBytes = 0 });

        Assert.Contains(local.Single(e => e.Pattern == Pattern.LambdaBedrock).RuledOutBy, reason => reason.StartsWith("Local model", StringComparison.Ordinal));
        Assert.True(local.Single(e => e.Pattern == Pattern.LambdaModel).CanRun);
        Assert.True(bedrock.Single(e => e.Pattern == Pattern.LambdaBedrock).CanRun);
        Assert.Contains(bedrock.Single(e => e.Pattern == Pattern.LambdaModel).RuledOutBy, reason => reason.StartsWith("No local model", StringComparison.Ordinal));
    }

    [Fact]
    public void A_model_whose_package_is_over_250_MB_unzipped_rules_out_pattern_5_and_one_just_within_fits()
    {
        // https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html: a zip deployment package may be at most
        // 250 MB unzipped, which Lambda counts as 262,144,000 bytes ("Unzipped size must be smaller than 262144000 bytes").
        // The function's runtime (bootstrap and ONNX Runtime) takes 40,000,000 bytes of it in these figures.
        var estimator = Estimator(Loaded());

        var within = estimator.EstimateLambdaModel(Embeddings with { ModelBytes = 262_144_000 - (40 * Megabyte), MemoryMiB = 2048 });
        var over = estimator.EstimateLambdaModel(Embeddings with { ModelBytes = 262_144_001 - (40 * Megabyte), MemoryMiB = 2048 });

        Assert.True(within.CanRun, string.Join(" ", within.RuledOutBy));
        Assert.Contains(over.RuledOutBy, reason => reason.StartsWith("250 MB package", StringComparison.Ordinal));
    }

    [Fact]
    public void A_request_over_the_functions_27_second_limit_on_lambda_rules_out_pattern_5()
    {
        // At 1,769 MB a request takes 1.3 times as long as on the server (13 ms against 10 ms): 20 s of server time is
        // 26 s on Lambda, 21 s is 27.3 s, over the function's 27 s (the HTTP API waits 30 s in all, init included).
        var estimator = Estimator(Loaded());

        var within = estimator.EstimateLambdaModel(Embeddings with { LongestJob = TimeSpan.FromSeconds(20) });
        var over = estimator.EstimateLambdaModel(Embeddings with { LongestJob = TimeSpan.FromSeconds(21) });

        Assert.Equal(27, LambdaModelStackProps.MaxTimeoutSeconds);
        Assert.True(within.CanRun, string.Join(" ", within.RuledOutBy));
        Assert.Contains(over.RuledOutBy, reason => reason.StartsWith("27 s", StringComparison.Ordinal));
    }

    [Fact]
    public void A_measured_size_is_priced_at_its_measured_ratio_to_the_server()
    {
        var figures = Loaded();

        Assert.Equal(1.3, figures.DurationRatio(1769), precision: 9);
        Assert.Equal(4.8, figures.DurationRatio(512), precision: 9);
        Assert.Equal(TimeSpan.FromMilliseconds(700), figures.Init(1769));
    }

    [Fact]
    public void Below_the_smallest_measured_size_a_request_slows_as_the_cpu_share_shrinks()
    {
        // https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html: Lambda allocates CPU in proportion to
        // memory, so half the memory of the smallest measured size gives half its CPU and a CPU-bound request twice its time.
        var figures = Loaded();

        Assert.Equal(2 * figures.DurationRatio(512), figures.DurationRatio(256), precision: 9);
        Assert.Equal(2 * figures.Init(512).TotalMilliseconds, figures.Init(256).TotalMilliseconds, precision: 6);
    }

    [Fact]
    public void Between_two_measured_sizes_the_duration_follows_the_cpu_share()
    {
        // Halfway in CPU share between 512 MB (1/512) and 1,769 MB (1/1,769) is 1/x = (1/512 + 1/1769) / 2, about 794 MB:
        // halfway between the two durations, not at 794 MB's place on a line in memory.
        var figures = Loaded();
        var halfwayInCpu = 2 / ((1.0 / 512) + (1.0 / 1769));

        var ratio = figures.DurationRatio((int)Math.Round(halfwayInCpu));

        Assert.InRange(ratio, ((4.8 + 1.3) / 2) - 0.01, ((4.8 + 1.3) / 2) + 0.01);
        Assert.InRange(figures.DurationRatio(1024), 1.3, 4.8);
        Assert.True(figures.DurationRatio(1024) > figures.DurationRatio(1500));
    }

    [Fact]
    public void Above_the_largest_measured_size_the_largest_measured_duration_is_used_and_said()
    {
        var estimate = Estimator(Loaded(), DeploymentShapes.Defaults.LambdaModel with { MemoryMb = 10_240 }).EstimateLambdaModel(Embeddings);

        Assert.Equal(1.2, Loaded().DurationRatio(10_240), precision: 9);
        Assert.Contains(estimate.Notes, note => note.StartsWith("Measured up to 3008 MB", StringComparison.Ordinal));
    }

    [Fact]
    public void Duration_is_billed_at_the_stacks_memory_for_the_measured_time_on_lambda()
    {
        // Lambda bills duration in GB-seconds at the configured memory (https://aws.amazon.com/lambda/pricing/): a month of
        // 1,000,000 requests a day (30.4 million) at 15 ms × 1.3 = 19.5 ms and 1,769 MB.
        var estimate = Estimator(Loaded()).EstimateLambdaModel(Embeddings);
        var requests = 1_000_000 * 730 / 24.0;
        var gbSeconds = requests * 0.0195 * 1769 / 1024;

        var duration = Assert.Single(estimate.LineItems, item => item.Name == "Lambda duration");

        Assert.Equal(gbSeconds * TestPrices.Repository[PriceKeys.LambdaGbSecond(CpuArchitecture.X64)], duration.MonthlyUsd, precision: 6);
        Assert.Contains(estimate.LineItems, item => item.Name == "API Gateway HTTP API");
    }

    [Fact]
    public void Cold_starts_are_billed_as_duration_for_every_environment_provisioned_ones_included()
    {
        // Init is billed as duration (https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/),
        // and provisioned environments run it again when Lambda recycles them (https://aws.amazon.com/lambda/pricing/).
        // 1,000,000 requests a day at 19.5 ms keep 0.226 requests in flight on average; requests in flight are
        // Poisson-distributed (M/G/infinity), and 3 or fewer are in flight 99.99% of the time (2 or fewer: 99.84%):
        // 3 environments, each started once a day; 5 provisioned environments start 5 times a day.
        var onDemand = Estimator(Loaded()).EstimateLambdaModel(Embeddings);
        var provisioned = Estimator(Loaded(), DeploymentShapes.Defaults.LambdaModel with { ProvisionedConcurrency = 5 }).EstimateLambdaModel(Embeddings);
        var perStart = 0.7 * 1769 / 1024 * TestPrices.Repository[PriceKeys.LambdaGbSecond(CpuArchitecture.X64)];

        Assert.Equal(3 * 730 / 24.0 * perStart, Assert.Single(onDemand.LineItems, item => item.Name == "Lambda init (cold starts)").MonthlyUsd, precision: 9);
        Assert.Equal(5 * 730 / 24.0 * perStart, Assert.Single(provisioned.LineItems, item => item.Name == "Lambda init (cold starts)").MonthlyUsd, precision: 9);
        Assert.Contains(provisioned.LineItems, item => item.Name == "Lambda provisioned concurrency");
    }

    [Fact]
    public void The_free_tier_is_not_subtracted_for_a_function_with_provisioned_concurrency()
    {
        // "The Lambda free tier does not apply to functions that have Provisioned Concurrency enabled"
        // (https://aws.amazon.com/lambda/pricing/): with it, every request is billed; without it, a million are free.
        var requests = Embeddings.RequestsPerMonth;
        var perRequest = TestPrices.Repository[PriceKeys.LambdaRequestsPerMillion] / 1e6;
        CostEstimator FreeTier(int provisioned) => new(TestPrices.Repository,
            DeploymentShapes.Defaults with { LambdaModel = DeploymentShapes.Defaults.LambdaModel with { ProvisionedConcurrency = provisioned } },
            includeFreeTier: true, lambdaModelFigures: Loaded());

        var withProvisioned = Assert.Single(FreeTier(1).EstimateLambdaModel(Embeddings).LineItems, item => item.Name == "Lambda requests");
        var onDemand = Assert.Single(FreeTier(0).EstimateLambdaModel(Embeddings).LineItems, item => item.Name == "Lambda requests");

        Assert.Equal(requests * perRequest, withProvisioned.MonthlyUsd, precision: 6);
        Assert.Equal((requests - 1e6) * perRequest, onDemand.MonthlyUsd, precision: 6);
    }

    [Theory]
    [InlineData(0.226, 3)]
    [InlineData(0.0001, 1)]
    [InlineData(1.0, 5)]
    [InlineData(10.0, 21)]
    [InlineData(1000.0, 1098)]
    public void Environments_cover_the_requests_in_flight_99_9_percent_of_the_time(double mean, int expected)
    {
        // Poisson quantiles: P(N <= 4 | 1) = 0.9963, P(N <= 5 | 1) = 0.9994; P(N <= 20 | 10) = 0.9984, P(N <= 21 | 10) = 0.9993.
        // At a mean of 1,000, 1,000 + 3.09 x 31.6 = 1,097.7 (normal approximation; the exact quantile is 1,099).
        Assert.Equal(expected, CostEstimator.PoissonQuantile(mean, 0.999));
    }

    [Fact]
    public void The_repositorys_figures_measure_the_stacks_default_memory_and_the_model_the_function_ships()
    {
        var figures = LambdaModelFigures.Default;

        Assert.Contains(figures.Sizes, size => size.MemoryMb == new LambdaModelStackProps().MemorySizeMb);
        Assert.Contains(figures.Sizes, size => size.MemoryMb == LambdaModelStackProps.MinMemorySizeMb);
        Assert.Equal(new LambdaModelStackProps().MemorySizeMb, DeploymentShapes.Defaults.LambdaModel.MemoryMb);
        // The model travels in its package (about 91 MB); the example profile's model size is the same model.
        Assert.InRange(figures.ModelBytes, 85 * Megabyte, 95 * Megabyte);
    }

    [Theory]
    [InlineData("{ \"measured\": \"x\"", "do not parse")]
    [InlineData("{ \"measured\": \"x\", \"packageUnzippedBytes\": 130, \"modelBytes\": 90, \"server\": { \"meanMs\": 10 }, \"sizes\": [] }", "at least one memory size")]
    [InlineData("{ \"measured\": \"x\", \"packageUnzippedBytes\": 130, \"modelBytes\": 90, \"sizes\": [ { \"memoryMb\": 512, \"initMs\": 0, \"firstAnswerMs\": 1, \"meanMs\": 5, \"p99Ms\": 9, \"ratioToServer\": 1.5 } ] }", "positive init")]
    [InlineData("{ \"measured\": \"x\", \"packageUnzippedBytes\": 130, \"modelBytes\": 90, \"sizes\": [ { \"memoryMb\": 512, \"initMs\": 1, \"firstAnswerMs\": 1, \"meanMs\": 5, \"p99Ms\": 9 } ] }", "positive ratio")]
    [InlineData("{ \"measured\": \"x\", \"packageUnzippedBytes\": 80, \"modelBytes\": 90, \"sizes\": [ { \"memoryMb\": 512, \"initMs\": 1, \"firstAnswerMs\": 1, \"meanMs\": 5, \"p99Ms\": 9, \"ratioToServer\": 1.5 } ] }", "larger than the model")]
    public void Figures_that_cannot_be_priced_from_are_refused_with_a_clear_error(string json, string expected)
    {
        var exception = Assert.Throws<AdvisorInputException>(() => LambdaModelFigures.Load(Write("bad.json", json)));

        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }
}
