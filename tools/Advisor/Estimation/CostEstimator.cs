using System.Globalization;
using ReferenceArchitectures.Tools.Advisor.Pricing;
using ReferenceArchitectures.Tools.Advisor.Workload;

namespace ReferenceArchitectures.Tools.Advisor.Estimation;

/// <summary>
/// Checks each pattern's limits against a workload and prices what it would run at that load, line by line.
/// Months are 730 hours and days 1/24 of that, as AWS's pricing examples count them.
/// </summary>
public sealed class CostEstimator(PriceSheet prices, DeploymentShapes shapes, bool includeFreeTier = false, LambdaModelFigures? lambdaModelFigures = null)
{
    private const double DaysPerMonth = WorkloadProfile.HoursPerMonth / 24;
    private const double BytesPerGb = 1024d * 1024 * 1024;

    /// <summary>HTTP APIs meter a request per started 512 KB (AWS API Gateway pricing).</summary>
    private const double HttpApiMeteringBytes = 512 * 1024;

    /// <summary>
    /// Lambda's zip package limit, 250 MB unzipped, layers included (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html);
    /// Lambda's own refusal counts it in binary megabytes ("Unzipped size must be smaller than 262144000 bytes").
    /// </summary>
    private const double LambdaMaxUnzippedBytes = 250d * 1024 * 1024;

    public DeploymentShapes Shapes => shapes;

    /// <summary>The benchmark's figures pattern 5 is priced with (the repository's measured file unless given).</summary>
    public LambdaModelFigures LambdaModelFigures => lambdaModelFigures ?? LambdaModelFigures.Default;

    public IReadOnlyList<PatternEstimate> EstimateAll(WorkloadProfile profile) =>
        [EstimateLambdaBedrock(profile), EstimateFargateModel(profile), EstimateGpuInference(profile), EstimateHybridPipeline(profile), EstimateLambdaModel(profile)];

    public PatternEstimate Estimate(Pattern pattern, WorkloadProfile profile) => pattern switch
    {
        Pattern.LambdaBedrock => EstimateLambdaBedrock(profile),
        Pattern.FargateModel => EstimateFargateModel(profile),
        Pattern.GpuInference => EstimateGpuInference(profile),
        Pattern.HybridPipeline => EstimateHybridPipeline(profile),
        Pattern.LambdaModel => EstimateLambdaModel(profile),
        _ => throw new ArgumentOutOfRangeException(nameof(pattern), pattern, "not a pattern"),
    };

    public PatternEstimate EstimateLambdaBedrock(WorkloadProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var shape = shapes.LambdaBedrock;
        var ruledOut = LambdaLimits(profile, synchronous: true);
        if (profile.ModelBytes > 0)
        {
            ruledOut.Add($"Local model: pattern 1's function calls Bedrock and loads no model of its own ({Units.FormatSize(profile.ModelBytes)} here); pattern 5 runs a local model on Lambda.");
        }

        var notes = new List<string>();
        var memoryMb = LambdaMemoryMb(profile, shape.MemoryMb);
        if (memoryMb > shape.MemoryMb)
        {
            notes.Add(Invariant($"Priced at {memoryMb} MB: the workload needs more than the stack's {shape.MemoryMb} MB (set lambdaBedrock:memorySizeMb)."));
        }

        if (profile.P95Duration > AwsLimits.HttpApiMaxIntegrationTimeout)
        {
            notes.Add("p95 is over the HTTP API's 30 s integration timeout: such requests must use the streaming Function URL (up to 15 min).");
        }

        var requests = profile.RequestsPerMonth;
        var items = new List<LineItem>();
        items.AddRange(LambdaItems("Lambda", requests, profile.MeanDuration.TotalSeconds, memoryMb, shape.Architecture, shape.ProvisionedConcurrency, profile));
        items.Add(HttpApiItem(requests, profile.PayloadBytes));
        notes.Add("Bedrock model charges (per token) are not included: they depend on the model and the prompt, not on the pattern's compute.");
        return new PatternEstimate(Pattern.LambdaBedrock, ruledOut, items, notes);
    }

    public PatternEstimate EstimateFargateModel(WorkloadProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var shape = shapes.FargateModel;
        var ruledOut = new List<string>();
        var notes = new List<string>();
        if (profile.NeedsGpu)
        {
            ruledOut.Add("GPU: Fargate offers no GPUs.");
        }

        var size = FitFargateTask(profile, shape.CpuUnits, shape.MemoryMiB, ruledOut, notes, "fargateModel");
        if (profile.Synchronous && profile.LongestJob > AwsLimits.AlbDefaultIdleTimeout)
        {
            notes.Add("Requests longer than 60 s need the load balancer's idle timeout raised.");
        }

        var items = new List<LineItem>();
        if (size is { } task)
        {
            var vcpus = task.CpuUnits / 1024.0;
            var perTask = vcpus / profile.Vcpus * shape.CpuTargetPercent / 100;
            var tasksByHour = profile.HourlyConcurrency.Select(concurrency => Math.Max(shape.MinTasks, (int)Math.Ceiling(concurrency / perTask - 1e-9))).ToArray();
            if (tasksByHour.Max() > shape.MaxTasks)
            {
                notes.Add(Invariant($"The busiest hour needs {tasksByHour.Max()} tasks, more than MaxTasks {shape.MaxTasks}: raise it."));
            }

            var taskHours = tasksByHour.Sum() * DaysPerMonth;
            items.AddRange(FargateItems("Fargate tasks", taskHours, vcpus, task.MemoryMiB / 1024.0, shape.Architecture,
                Invariant($"{tasksByHour.Min()}–{tasksByHour.Max()} tasks of {vcpus:0.##} vCPU/{task.MemoryMiB / 1024.0:0.##} GB")));
            items.AddRange(LoadBalancerItems(profile));
            items.AddRange(EndpointItems(shape.Endpoint, profile));
            items.AddRange(NatItems(shape.NatGateways, profile.NatBytesPerMonth));
            notes.Add(EndpointNote(shape.Endpoint, profile, "fargateModel"));
        }

        return new PatternEstimate(Pattern.FargateModel, ruledOut, items, notes);
    }

    public PatternEstimate EstimateGpuInference(WorkloadProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var shape = shapes.GpuInference;
        var ruledOut = new List<string>();
        var notes = new List<string>();
        if (!AwsLimits.GpuInstances.TryGetValue(shape.InstanceType, out var instance))
        {
            throw new AdvisorInputException($"The advisor knows the G5 sizes ({string.Join(", ", AwsLimits.GpuInstances.Keys)}), not '{shape.InstanceType}'.");
        }

        if (profile.ModelBytes > instance.GpuMemoryGiB * BytesPerGb)
        {
            ruledOut.Add(Invariant($"GPU memory: the model ({Units.FormatSize(profile.ModelBytes)}) does not fit in one A10G's {instance.GpuMemoryGiB} GB."));
        }

        if (profile.MemoryMiB > shape.ContainerMemoryMiB)
        {
            ruledOut.Add(Invariant($"Memory: the model server may use {shape.ContainerMemoryMiB} MiB on a {shape.InstanceType}; the workload needs {profile.MemoryMiB:0} MiB (choose a larger instance)."));
        }

        if (profile.Vcpus > instance.Vcpus)
        {
            ruledOut.Add(Invariant($"vCPU: a {shape.InstanceType} has {instance.Vcpus} vCPUs; one request needs {profile.Vcpus:0.##}."));
        }

        if (!profile.NeedsGpu)
        {
            notes.Add("The workload does not need a GPU: this pattern pays for one anyway.");
        }

        var items = new List<LineItem>();
        if (ruledOut.Count == 0)
        {
            var perTask = profile.ConcurrencyPerGpu * shape.TargetPercent / 100;
            var tasksByHour = profile.HourlyConcurrency.Select(concurrency => Math.Max(shape.MinTasks, (int)Math.Ceiling(concurrency / perTask - 1e-9))).ToArray();
            var instancesByHour = tasksByHour.Select(tasks => Math.Max(shape.MinInstances, (int)Math.Ceiling(tasks / (double)instance.Gpus))).ToArray();
            if (tasksByHour.Max() > shape.MaxTasks)
            {
                notes.Add(Invariant($"The busiest hour needs {tasksByHour.Max()} GPU tasks, more than MaxTasks {shape.MaxTasks} (and MaxInstances {shape.MaxInstances}): raise both."));
            }

            var instanceHours = instancesByHour.Sum() * DaysPerMonth;
            var hourKey = PriceKeys.Ec2InstanceHour(shape.InstanceType);
            items.Add(new LineItem(Invariant($"EC2 {shape.InstanceType} instances"), Invariant($"{instanceHours:N0} instance-hours ({instancesByHour.Min()}–{instancesByHour.Max()} running)"),
                instanceHours * prices[hourKey], [hourKey]));
            var volumeGbMonths = instanceHours / WorkloadProfile.HoursPerMonth * shape.RootVolumeGiB;
            items.Add(new LineItem("EBS gp3 root volumes", Invariant($"{volumeGbMonths:N0} GB-months"), volumeGbMonths * prices[PriceKeys.EbsGp3GbMonth], [PriceKeys.EbsGp3GbMonth]));
            items.AddRange(LoadBalancerItems(profile));
            items.AddRange(EndpointItems(shape.Endpoint, profile));
            items.AddRange(NatItems(shape.NatGateways, profile.NatBytesPerMonth));
            notes.Add(EndpointNote(shape.Endpoint, profile, "gpuInference"));
        }

        return new PatternEstimate(Pattern.GpuInference, ruledOut, items, notes);
    }

    public PatternEstimate EstimateHybridPipeline(WorkloadProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var shape = shapes.HybridPipeline;
        var ruledOut = new List<string>();
        var notes = new List<string>();
        if (profile.Synchronous)
        {
            ruledOut.Add("Synchronous: the pipeline answers by writing results to S3 and DynamoDB, not in the caller's HTTP request.");
        }

        if (profile.NeedsGpu)
        {
            ruledOut.Add("GPU: neither Lambda nor Fargate offers GPUs.");
        }

        var lightPathFits = LambdaLimits(profile, synchronous: false).Count == 0;
        var items = new List<LineItem>();
        var documents = profile.RequestsPerMonth;
        var heavySize = lightPathFits ? null : FitFargateTask(profile, shape.WorkerCpuUnits, shape.WorkerMemoryMiB, ruledOut, notes, "hybridPipeline:worker");
        if (ruledOut.Count == 0)
        {
            var transitions = documents * (lightPathFits ? PipelineShape.LightPathTransitions : PipelineShape.HeavyPathTransitions);
            items.Add(StepFunctionsItem(transitions));
            if (lightPathFits)
            {
                notes.Add("Every document fits the light path (Lambda).");
                var analyzeMemory = LambdaMemoryMb(profile, shape.AnalyzeMemoryMb);
                items.AddRange(LambdaItems("Lambda steps", documents * 2, PipelineShape.StepDuration.TotalSeconds, shape.StepMemoryMb, shape.Architecture, 0, profile, freeTierShare: 0.5));
                items.AddRange(LambdaItems("Lambda analysis", documents, profile.MeanDuration.TotalSeconds, analyzeMemory, shape.Architecture, 0, profile, freeTierShare: 0.5));
            }
            else if (heavySize is { } task)
            {
                notes.Add("Documents exceed what Lambda can finish, so they take the heavy path: one Fargate task per document, billed for at least a minute.");
                items.AddRange(LambdaItems("Lambda steps", documents * 2, PipelineShape.StepDuration.TotalSeconds, shape.StepMemoryMb, shape.Architecture, 0, profile));
                var billedSeconds = Math.Max(AwsLimits.FargateMinimumBilled.TotalSeconds, profile.MeanDuration.TotalSeconds);
                items.AddRange(FargateItems("Fargate worker", documents * billedSeconds / 3600, task.CpuUnits / 1024.0, task.MemoryMiB / 1024.0, shape.WorkerArchitecture,
                    Invariant($"{documents:N0} tasks × {billedSeconds:0} s")));
            }

            items.AddRange(NatItems(shape.NatGateways, profile.NatBytesPerMonth));
            notes.Add("S3, DynamoDB, EventBridge and SQS charges are small at these volumes and not included.");
        }

        return new PatternEstimate(Pattern.HybridPipeline, ruledOut, items, notes);
    }

    /// <summary>
    /// Pattern 5: the model in a Lambda function behind an IAM-authorized HTTP API. A request takes the profile's
    /// duration (on one vCPU, like a Fargate task's) times the ratio the benchmark measured between the function at the
    /// stack's memory and the model server on one vCPU; each new execution environment pays the measured init, billed as
    /// duration (custom runtimes always were; all on-demand functions since 1 August 2025:
    /// https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/).
    /// </summary>
    public PatternEstimate EstimateLambdaModel(WorkloadProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var shape = shapes.LambdaModel;
        var figures = LambdaModelFigures;
        var ruledOut = LambdaLimits(profile, synchronous: true);
        var notes = new List<string>();
        if (profile.ModelBytes <= 0)
        {
            ruledOut.Add("No local model: the workload's model is hosted by Bedrock, which pattern 1 calls; pattern 5 runs a model inside its function.");
        }

        var packageBytes = profile.ModelBytes + figures.RuntimeBytes;
        if (packageBytes > LambdaMaxUnzippedBytes)
        {
            ruledOut.Add(Invariant($"250 MB package: the model ({Units.FormatSize(profile.ModelBytes)}) and the function's runtime ({figures.RuntimeBytes / 1e6:0.#} MB: bootstrap, ONNX Runtime) come to {packageBytes / 1e6:0} MB, over Lambda's 250 MB unzipped zip limit (a container image holds up to 10 GB; this stack ships a zip)."));
        }

        var memoryMb = (int)Math.Ceiling(Math.Max(shape.MemoryMb, profile.MemoryMiB));
        if (memoryMb > shape.MemoryMb)
        {
            notes.Add(Invariant($"Priced at {memoryMb} MB: the workload needs more than the stack's {shape.MemoryMb} MB (set lambdaModel:memorySizeMb)."));
        }

        var ratio = figures.DurationRatio(memoryMb);
        var duration = profile.MeanDuration * ratio;
        var longest = profile.LongestJob * ratio;
        if (longest > LambdaModelMaxTimeout)
        {
            ruledOut.Add(Invariant($"27 s: the longest request takes about {Units.FormatDuration(longest)} on Lambda at {memoryMb} MB, over the function's 27 s limit (the HTTP API waits 30 s, a cold start's init included)."));
        }

        var items = new List<LineItem>();
        if (ruledOut.Count == 0)
        {
            var requests = profile.RequestsPerMonth;
            var lambdaProfile = profile with { MeanDuration = duration, P95Duration = Max(profile.P95Duration * ratio, duration), LongestJob = Max(longest, Max(profile.P95Duration * ratio, duration)) };
            items.AddRange(LambdaItems("Lambda", requests, duration.TotalSeconds, memoryMb, shape.Architecture, shape.ProvisionedConcurrency, lambdaProfile));

            // Environments: as many requests as the busiest hour has in flight at once, each environment assumed to
            // start once a day (Lambda does not document how long it keeps one). Provisioned environments start outside
            // requests but are billed for it too: "AWS Lambda periodically recycles the execution environments and re-runs
            // your initialization code" (https://aws.amazon.com/lambda/pricing/), priced here as on-demand starts.
            // Requests in flight at once are Poisson-distributed with mean rate × duration (the M/G/infinity queue);
            // the count taken is the one exceeded less than 0.1% of the time.
            var environments = Math.Max(PoissonQuantile(lambdaProfile.HourlyConcurrency.Max(), 0.999), shape.ProvisionedConcurrency);
            var coldStarts = environments * DaysPerMonth;
            var init = figures.Init(memoryMb);
            var (_, initUsd, initGbSeconds) = LambdaCharges(coldStarts, init.TotalSeconds, memoryMb, shape.Architecture, freeTierShare: 0);
            items.Add(new LineItem("Lambda init (cold starts)", Invariant($"{coldStarts:N0} starts × {init.TotalMilliseconds:N0} ms = {initGbSeconds:N0} GB-s"), initUsd, [PriceKeys.LambdaGbSecond(shape.Architecture)]));
            items.Add(HttpApiItem(requests, profile.PayloadBytes));
            notes.Add(Invariant($"{Units.FormatDuration(duration)} per request at {memoryMb} MB: the profile's {Units.FormatDuration(profile.MeanDuration)} × {ratio:0.00}, the measured ratio of the function at {memoryMb} MB to the model server on one vCPU (tools/Advisor/measured/lambda-model.json, {figures.Measured}, x86_64)."));
            notes.Add(Invariant($"A cold start answers its first request about {figures.FirstAnswer(memoryMb).TotalMilliseconds:N0} ms after the environment starts (measured at {memoryMb} MB); priced as one start a day for each of the busiest hour's {environments} environment(s){(shape.ProvisionedConcurrency > 0 ? Invariant($", the {shape.ProvisionedConcurrency} provisioned among them (Lambda recycles them and runs init again; their requests meet no cold start)") : string.Empty)}."));
            if (memoryMb > figures.LargestMeasuredMb)
            {
                notes.Add(Invariant($"Measured up to {figures.LargestMeasuredMb} MB: priced with that size's duration, although more memory gives the model more threads."));
            }

            if (shape.Architecture == CpuArchitecture.Arm64)
            {
                notes.Add("The durations were measured on x86_64; arm64 is priced at its own rate with the same durations.");
            }

            notes.Add("The HTTP API is always in front: the function has no other way in, so callers inside the VPC pay for it too.");
        }

        return new PatternEstimate(Pattern.LambdaModel, ruledOut, items, notes);
    }

    /// <summary>The function's timeout is at most 27 s so that a cold start's init fits in the HTTP API's 30 s (cdk/LambdaModel).</summary>
    private static readonly TimeSpan LambdaModelMaxTimeout = TimeSpan.FromSeconds(ReferenceArchitectures.Cdk.LambdaModel.LambdaModelStackProps.MaxTimeoutSeconds);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>The smallest n (at least 1) with P(N ≤ n) ≥ <paramref name="probability"/> for N Poisson-distributed with this mean.</summary>
    internal static int PoissonQuantile(double mean, double probability)
    {
        if (mean > 500)
        {
            // Normal approximation, where the terms below would underflow: mean + z·√mean, z = 3.09 for 99.9%.
            return (int)Math.Ceiling(mean + (3.09 * Math.Sqrt(mean)));
        }

        var term = Math.Exp(-mean);
        var cumulative = term;
        var n = 0;
        while (cumulative < probability)
        {
            n++;
            term *= mean / n;
            cumulative += term;
        }

        return Math.Max(1, n);
    }

    /// <summary>Requests and duration charges of one function, as on AWS's Lambda pricing page.</summary>
    public (double RequestsUsd, double DurationUsd, double GbSeconds) LambdaCharges(double requests, double secondsEach, double memoryMb, CpuArchitecture architecture, double freeTierShare = 1)
    {
        var gbSeconds = requests * secondsEach * memoryMb / 1024;
        var billableRequests = includeFreeTier ? Math.Max(0, requests - (prices[PriceKeys.LambdaFreeRequests] * freeTierShare)) : requests;
        var billableGbSeconds = includeFreeTier ? Math.Max(0, gbSeconds - (prices[PriceKeys.LambdaFreeGbSeconds] * freeTierShare)) : gbSeconds;
        return (billableRequests / 1e6 * prices[PriceKeys.LambdaRequestsPerMillion], billableGbSeconds * prices[PriceKeys.LambdaGbSecond(architecture)], gbSeconds);
    }

    /// <summary>vCPU and memory charges of Fargate tasks, as on AWS's Fargate pricing page.</summary>
    public (double VcpuUsd, double MemoryUsd) FargateCharges(double taskHours, double vcpus, double memoryGb, CpuArchitecture architecture) =>
        (taskHours * vcpus * prices[PriceKeys.FargateVcpuHour(architecture)], taskHours * memoryGb * prices[PriceKeys.FargateGbHour(architecture)]);

    /// <summary>HTTP API request charges: each request metered per started 512 KB, tiered at 300 million a month.</summary>
    public (double MeteredRequests, double Usd) HttpApiCharges(double requests, double payloadBytes)
    {
        var metered = requests * Math.Max(1, Math.Ceiling(payloadBytes / HttpApiMeteringBytes));
        var firstTier = Math.Min(metered, 300e6);
        var usd = (firstTier / 1e6 * prices[PriceKeys.ApiHttpFirst300M]) + (Math.Max(0, metered - 300e6) / 1e6 * prices[PriceKeys.ApiHttpOver300M]);
        return (metered, usd);
    }

    public double StepFunctionsCharges(double transitions)
    {
        var billable = includeFreeTier ? Math.Max(0, transitions - prices[PriceKeys.StepFunctionsFree]) : transitions;
        return billable / 1000 * prices[PriceKeys.StepFunctionsPerThousand];
    }

    /// <summary>
    /// Load-balancer capacity units an hour: the largest of new connections (25/s), active connections (3,000/min),
    /// processed bytes (1 GB/h) and rule evaluations (1,000/s, the first 10 rules free; one rule here), per
    /// Elastic Load Balancing pricing. Each request is counted as a new connection, which overstates browsers'
    /// keep-alive traffic and fits API clients.
    /// </summary>
    public static double LoadBalancerCapacityUnits(double requestsPerSecond, double concurrentRequests, double payloadBytes)
    {
        var newConnections = requestsPerSecond / 25;
        var activeConnections = concurrentRequests / 3000;
        var processedGb = requestsPerSecond * 3600 * payloadBytes * 2 / BytesPerGb;
        return Math.Max(newConnections, Math.Max(activeConnections, processedGb));
    }

    /// <summary>Memory the function must have: the workload's, at least the vCPUs' worth (Lambda scales CPU with memory), at least the stack's.</summary>
    internal static int LambdaMemoryMb(WorkloadProfile profile, int configuredMb) =>
        (int)Math.Ceiling(Math.Max(configuredMb, Math.Max(profile.MemoryMiB, profile.Vcpus * AwsLimits.LambdaMbPerVcpu)));

    private static List<string> LambdaLimits(WorkloadProfile profile, bool synchronous)
    {
        var ruledOut = new List<string>();
        if (profile.LongestJob > AwsLimits.LambdaMaxDuration)
        {
            ruledOut.Add($"15 minutes: the longest job ({Units.FormatDuration(profile.LongestJob)}) is over Lambda's 900 s timeout.");
        }

        if (profile.MemoryMiB > AwsLimits.LambdaMaxMemoryMb)
        {
            ruledOut.Add(Invariant($"10 GB: the workload needs {profile.MemoryMiB:0} MB; Lambda allows at most {AwsLimits.LambdaMaxMemoryMb} MB."));
        }

        if (profile.Vcpus > AwsLimits.LambdaMaxVcpus)
        {
            ruledOut.Add(Invariant($"6 vCPUs: one request needs {profile.Vcpus:0.##} vCPUs; Lambda gives at most {AwsLimits.LambdaMaxVcpus}."));
        }

        if (profile.NeedsGpu)
        {
            ruledOut.Add("GPU: Lambda offers no GPUs.");
        }

        if (synchronous && profile.Synchronous && profile.PayloadBytes > AwsLimits.LambdaMaxSynchronousPayloadBytes)
        {
            ruledOut.Add($"6 MB: a synchronous invocation carries at most 6 MB each way; the payload is {Units.FormatSize(profile.PayloadBytes)}.");
        }

        if (profile.ModelBytes > AwsLimits.LambdaMaxImageBytes)
        {
            ruledOut.Add($"10 GB image: the model ({Units.FormatSize(profile.ModelBytes)}) does not fit in a Lambda container image.");
        }

        return ruledOut;
    }

    private static (int CpuUnits, int MemoryMiB)? FitFargateTask(WorkloadProfile profile, int cpuUnits, int memoryMiB, List<string> ruledOut, List<string> notes, string settingPrefix)
    {
        if (profile.Vcpus > AwsLimits.FargateMaxVcpus || profile.MemoryMiB > AwsLimits.FargateMaxMemoryMiB)
        {
            ruledOut.Add(Invariant($"16 vCPU/120 GB: a Fargate task has at most 16 vCPUs and 120 GB; one request needs {profile.Vcpus:0.##} vCPUs and {profile.MemoryMiB / 1024:0.##} GB."));
            return null;
        }

        if (cpuUnits / 1024.0 >= profile.Vcpus && memoryMiB >= profile.MemoryMiB)
        {
            return (cpuUnits, memoryMiB);
        }

        var fitted = AwsLimits.SmallestFargateSize(Math.Max(profile.Vcpus, cpuUnits / 1024.0), Math.Max(profile.MemoryMiB, memoryMiB))!.Value;
        notes.Add(Invariant($"Priced with {fitted.CpuUnits} CPU units/{fitted.MemoryMiB} MiB tasks, the smallest Fargate size that fits one request (set {settingPrefix} cpu and memory)."));
        return fitted;
    }

    private IEnumerable<LineItem> LambdaItems(string name, double requests, double secondsEach, int memoryMb, CpuArchitecture architecture, int provisionedConcurrency, WorkloadProfile profile, double freeTierShare = 1)
    {
        // "The Lambda free tier does not apply to functions that have Provisioned Concurrency enabled" (https://aws.amazon.com/lambda/pricing/).
        var (requestsUsd, durationUsd, gbSeconds) = LambdaCharges(requests, secondsEach, memoryMb, architecture, provisionedConcurrency > 0 ? 0 : freeTierShare);
        var architectureName = architecture == CpuArchitecture.Arm64 ? "arm64" : "x86_64";
        yield return new LineItem($"{name} requests", Invariant($"{requests:N0} requests"), requestsUsd, [PriceKeys.LambdaRequestsPerMillion]);
        if (provisionedConcurrency == 0)
        {
            yield return new LineItem($"{name} duration", Invariant($"{gbSeconds:N0} GB-s at {memoryMb} MB {architectureName}"), durationUsd, [PriceKeys.LambdaGbSecond(architecture)]);
            yield break;
        }

        // Invocations up to the provisioned concurrency run at the lower provisioned-duration price; the rest on demand.
        var meanConcurrency = profile.RequestsPerDay / 86_400 * profile.MeanDuration.TotalSeconds;
        var provisionedShare = Math.Min(1, provisionedConcurrency / Math.Max(meanConcurrency, 1e-9));
        var configuredGbSeconds = provisionedConcurrency * memoryMb / 1024.0 * WorkloadProfile.HoursPerMonth * 3600;
        yield return new LineItem($"{name} duration (on demand)", Invariant($"{gbSeconds * (1 - provisionedShare):N0} GB-s"), durationUsd * (1 - provisionedShare), [PriceKeys.LambdaGbSecond(architecture)]);
        yield return new LineItem($"{name} duration (provisioned)", Invariant($"{gbSeconds * provisionedShare:N0} GB-s"),
            gbSeconds * provisionedShare * prices[PriceKeys.LambdaProvisionedDuration(architecture)], [PriceKeys.LambdaProvisionedDuration(architecture)]);
        yield return new LineItem($"{name} provisioned concurrency", Invariant($"{provisionedConcurrency} × {memoryMb} MB all month"),
            configuredGbSeconds * prices[PriceKeys.LambdaProvisionedConcurrency(architecture)], [PriceKeys.LambdaProvisionedConcurrency(architecture)]);
    }

    private LineItem HttpApiItem(double requests, double payloadBytes)
    {
        var (metered, usd) = HttpApiCharges(requests, payloadBytes);
        return new LineItem("API Gateway HTTP API", Invariant($"{metered:N0} metered requests"), usd, [PriceKeys.ApiHttpFirst300M, PriceKeys.ApiHttpOver300M]);
    }

    private LineItem StepFunctionsItem(double transitions) =>
        new("Step Functions transitions", Invariant($"{transitions:N0} transitions"), StepFunctionsCharges(transitions), [PriceKeys.StepFunctionsPerThousand]);

    private IEnumerable<LineItem> FargateItems(string name, double taskHours, double vcpus, double memoryGb, CpuArchitecture architecture, string description)
    {
        var (vcpuUsd, memoryUsd) = FargateCharges(taskHours, vcpus, memoryGb, architecture);
        var architectureName = architecture == CpuArchitecture.Arm64 ? "ARM" : "x86";
        yield return new LineItem($"{name} vCPU ({architectureName})", Invariant($"{taskHours * vcpus:N0} vCPU-hours; {description}"), vcpuUsd, [PriceKeys.FargateVcpuHour(architecture)]);
        yield return new LineItem($"{name} memory ({architectureName})", Invariant($"{taskHours * memoryGb:N0} GB-hours"), memoryUsd, [PriceKeys.FargateGbHour(architecture)]);
    }

    private IEnumerable<LineItem> LoadBalancerItems(WorkloadProfile profile)
    {
        var lcuHours = profile.HourlyRequestsPerSecond.Zip(profile.HourlyConcurrency)
            .Sum(hour => LoadBalancerCapacityUnits(hour.First, hour.Second, profile.PayloadBytes)) * DaysPerMonth;
        yield return new LineItem("Load balancer hours", Invariant($"{WorkloadProfile.HoursPerMonth:N0} hours"), WorkloadProfile.HoursPerMonth * prices[PriceKeys.AlbHour], [PriceKeys.AlbHour]);
        yield return new LineItem("Load balancer LCUs", Invariant($"{lcuHours:N1} LCU-hours"), lcuHours * prices[PriceKeys.AlbLcuHour], [PriceKeys.AlbLcuHour]);
    }

    /// <summary>
    /// The parts in front of the load balancer: the HTTP API that authorizes callers (per request, as pattern 1's; its
    /// VPC link costs nothing more) and, with a rate limit, the WAF web ACL (per month, per rule, per request).
    /// </summary>
    private IEnumerable<LineItem> EndpointItems(EndpointShape endpoint, WorkloadProfile profile)
    {
        if (endpoint.SignedApi && !profile.CallersInVpc)
        {
            yield return HttpApiItem(profile.RequestsPerMonth, profile.PayloadBytes);
        }

        if (endpoint.WebAcl)
        {
            yield return new LineItem("WAF web ACL", "1 web ACL, 1 rate-based rule", prices[PriceKeys.WafWebAclMonth] + prices[PriceKeys.WafRuleMonth], [PriceKeys.WafWebAclMonth, PriceKeys.WafRuleMonth]);
            yield return new LineItem("WAF requests", Invariant($"{profile.RequestsPerMonth:N0} requests"), profile.RequestsPerMonth / 1e6 * prices[PriceKeys.WafRequestsPerMillion], [PriceKeys.WafRequestsPerMillion]);
        }
    }

    private static string EndpointNote(EndpointShape endpoint, WorkloadProfile profile, string prefix) =>
        endpoint.SignedApi && !profile.CallersInVpc
            ? $"Priced behind the IAM-authorized HTTP API (the default); callers inside the VPC can use -c {prefix}:exposure=internal and skip it (callersInVpc: true)."
            : $"Priced with -c {prefix}:exposure=internal: the callers are in the VPC, so no HTTP API is in front.";

    private IEnumerable<LineItem> NatItems(int natGateways, double bytesPerMonth)
    {
        if (natGateways == 0)
        {
            yield break;
        }

        yield return new LineItem("NAT gateway hours", Invariant($"{natGateways} × {WorkloadProfile.HoursPerMonth:N0} hours"), natGateways * WorkloadProfile.HoursPerMonth * prices[PriceKeys.NatHour], [PriceKeys.NatHour]);
        yield return new LineItem("NAT gateway data", Invariant($"{bytesPerMonth / BytesPerGb:N1} GB"), bytesPerMonth / BytesPerGb * prices[PriceKeys.NatGb], [PriceKeys.NatGb]);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
