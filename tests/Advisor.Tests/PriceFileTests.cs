using System.Globalization;
using ReferenceArchitectures.Tools.Advisor.Pricing;

namespace ReferenceArchitectures.Advisor.Tests;

public sealed class PriceFileTests
{
    [Fact]
    public void Every_price_names_its_source_date_and_whether_it_was_verified()
    {
        var file = PriceSheet.ReadFile(PriceSheet.DefaultPath);

        Assert.All(file.Regions, region => Assert.All(region.Value.Prices, price =>
        {
            Assert.StartsWith("https://", price.Value.Source, StringComparison.Ordinal);
            Assert.True(DateOnly.TryParseExact(price.Value.Read, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _), $"{price.Key}: read date '{price.Value.Read}'");
            Assert.True(price.Value.Status is "verified" or "unverified", $"{price.Key}: status {price.Value.Status}");
            Assert.True(price.Value.Value > 0, price.Key);
            Assert.False(string.IsNullOrWhiteSpace(price.Value.Unit), price.Key);
        }));
    }

    [Fact]
    public void Every_price_the_model_uses_is_in_the_file_for_us_east_1()
    {
        var estimates = TestPrices.Estimator().EstimateAll(new Tools.Advisor.Workload.WorkloadProfile { RequestsPerDay = 1000, Synchronous = false }.Validated());
        var prices = TestPrices.Repository;

        var used = estimates.SelectMany(estimate => estimate.LineItems).SelectMany(item => item.PriceKeys).Distinct();

        Assert.All(used, key => Assert.True(prices.Has(key), key));
    }
}
