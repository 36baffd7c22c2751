using ReferenceArchitectures.Tools.Advisor.Workload;

namespace ReferenceArchitectures.Tools.Advisor.Estimation;

/// <summary>Monthly cost of pattern 1 and pattern 2 against utilisation, and where they cross.</summary>
/// <param name="Utilisation">Load as a fraction of one Fargate task's capacity (its vCPUs over the vCPUs a request keeps busy).</param>
public sealed record BreakEvenCurves(
    IReadOnlyList<double> Utilisation,
    IReadOnlyList<double> LambdaUsd,
    IReadOnlyList<double> FargateUsd,
    double? CrossoverUtilisation,
    double ProfileUtilisation);

public static class BreakEven
{
    private const int Points = 400;

    /// <summary>
    /// Scales the profile's request rate (same shape, durations and sizes) from zero up to past its own load and
    /// prices pattern 1 (Lambda and HTTP API) and pattern 2 (tasks, load balancer, NAT) at each point.
    /// </summary>
    public static BreakEvenCurves Compute(CostEstimator estimator, WorkloadProfile profile)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        ArgumentNullException.ThrowIfNull(profile);
        var task = estimator.Shapes.FargateModel;
        var capacity = Math.Max(task.Vcpus, profile.Vcpus) / profile.Vcpus;
        var profileUtilisation = profile.RequestsPerDay / 86_400 * profile.MeanDuration.TotalSeconds / capacity;
        var maximum = Math.Max(1, profileUtilisation * 1.25);
        var utilisation = new double[Points + 1];
        var lambda = new double[Points + 1];
        var fargate = new double[Points + 1];
        for (var i = 0; i <= Points; i++)
        {
            utilisation[i] = maximum * i / Points;
            var requestsPerDay = Math.Max(1e-6, utilisation[i] * capacity / profile.MeanDuration.TotalSeconds * 86_400);
            var scaled = profile with { RequestsPerDay = requestsPerDay };
            lambda[i] = estimator.EstimateLambdaBedrock(scaled).MonthlyUsd;
            fargate[i] = estimator.EstimateFargateModel(scaled).MonthlyUsd;
        }

        return new BreakEvenCurves(utilisation, lambda, fargate, Crossover(utilisation, lambda, fargate), profileUtilisation);
    }

    /// <summary>The first utilisation at which Lambda stops being cheaper, interpolated between sample points.</summary>
    private static double? Crossover(double[] x, double[] lambda, double[] fargate)
    {
        for (var i = 1; i < x.Length; i++)
        {
            var before = lambda[i - 1] - fargate[i - 1];
            var after = lambda[i] - fargate[i];
            if (before < 0 && after >= 0)
            {
                return x[i - 1] + ((x[i] - x[i - 1]) * (-before / (after - before)));
            }
        }

        return null;
    }
}
