using ReferenceArchitectures.Tools.Advisor.Estimation;
using ReferenceArchitectures.Tools.Advisor.Pricing;

namespace ReferenceArchitectures.Advisor.Tests;

/// <summary>Price sheets for tests: the repository's file, or one with the figures a published example uses.</summary>
internal static class TestPrices
{
    public static PriceSheet Repository => PriceSheet.Load(PriceSheet.DefaultPath, PriceSheet.DefaultRegion);

    public static PriceSheet With(params (string Key, double Value)[] overrides)
    {
        var file = PriceSheet.ReadFile(PriceSheet.DefaultPath);
        var list = file.Regions[PriceSheet.DefaultRegion];
        var prices = list.Prices.ToDictionary(entry => entry.Key, entry => entry.Value, StringComparer.Ordinal);
        foreach (var (key, value) in overrides)
        {
            prices[key] = prices[key] with { Value = value };
        }

        return new PriceSheet(PriceSheet.DefaultRegion, list with { Prices = prices });
    }

    public static CostEstimator Estimator(bool freeTier = false) => new(Repository, DeploymentShapes.Defaults, freeTier);
}
