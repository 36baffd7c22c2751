using ReferenceArchitectures.Tools.Advisor.Workload;

namespace ReferenceArchitectures.Tools.Advisor.Estimation;

/// <summary>Monthly cost of a Lambda pattern and pattern 2 against utilisation, and where they cross.</summary>
/// <param name="LambdaPattern">Pattern 5 (the model in Lambda) when the workload loads its own model, else pattern 1.</param>
/// <param name="Utilisation">Load as a fraction of one Fargate task's capacity (its vCPUs over the vCPUs a request keeps busy).</param>
public sealed record BreakEvenCurves(
    Pattern LambdaPattern,
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
    /// prices the Lambda pattern that runs the workload (pattern 5 with its model in the function when the workload
    /// loads a model, pattern 1 calling Bedrock otherwise) and pattern 2 (tasks, load balancer, NAT) at each point:
    /// for a local model, the same model deployed both ways.
    /// </summary>
    public static BreakEvenCurves Compute(CostEstimator estimator, WorkloadProfile profile)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        ArgumentNullException.ThrowIfNull(profile);
        var lambdaPattern = profile.ModelBytes > 0 ? Pattern.LambdaModel : Pattern.LambdaBedrock;
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
            lambda[i] = estimator.Estimate(lambdaPattern, scaled).MonthlyUsd;
            fargate[i] = estimator.EstimateFargateModel(scaled).MonthlyUsd;
        }

        return new BreakEvenCurves(lambdaPattern, utilisation, lambda, fargate, Crossover(utilisation, lambda, fargate), profileUtilisation);
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
