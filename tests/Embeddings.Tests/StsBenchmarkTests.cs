using System.Globalization;
using Xunit.Abstractions;

namespace ReferenceArchitectures.Embeddings.Tests;

/// <summary>
/// Embedding quality end to end: on the STS Benchmark test split, the Spearman correlation between the cosine
/// similarity of the two sentences' embeddings and the human score. MTEB reports 0.8203 for all-MiniLM-L6-v2
/// (TestData/stsb/SOURCE.md). A tokenizer, pooling or normalisation mistake costs several points.
/// </summary>
[Collection(SharedModel.Name)]
[Trait("Category", "Slow")]
public sealed class StsBenchmarkTests(ModelFixture model, ITestOutputHelper output)
{
    [Fact]
    public async Task Cosine_similarity_ranks_sts_benchmark_pairs_like_people_do()
    {
        var pairs = StsBenchmark.Load();
        using var generator = new OnnxEmbeddingGenerator(model.Engine);
        var sentences = pairs.SelectMany(p => new[] { p.First, p.Second }).ToArray();

        var embeddings = await generator.GenerateAsync(sentences);
        var cosines = pairs.Select((_, i) => (double)ModelFixture.Cosine(embeddings[2 * i].Vector.ToArray(), embeddings[(2 * i) + 1].Vector.ToArray())).ToArray();
        var spearman = Statistics.Spearman(cosines, pairs.Select(p => p.Score).ToArray());

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"STS-B test, {pairs.Count} pairs: Spearman {spearman:F4}"));
        Assert.Equal(1379, pairs.Count);
        Assert.True(spearman >= 0.80, string.Create(CultureInfo.InvariantCulture, $"Spearman {spearman:F4} is below 0.80"));
    }

    [Fact]
    public void Spearman_correlation_is_computed_on_ranks_with_ties_averaged()
    {
        // Ranks of x: 1, 2.5, 2.5, 4; of y: 1, 2, 3, 4 → Pearson of ranks = 0.9487.
        var rho = Statistics.Spearman([1, 2, 2, 3], [10, 20, 30, 40]);

        Assert.Equal(0.9487, rho, 4);
    }
}

public sealed record StsPair(double Score, string First, string Second);

public static class StsBenchmark
{
    /// <summary>The STS-B test split copied next to the tests (TestData/stsb/SOURCE.md says where it came from).</summary>
    public static IReadOnlyList<StsPair> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "stsb", "sts-test.tsv");
        return File.ReadLines(path)
            .Skip(1)
            .Select(line => line.Split('\t'))
            .Select(f => new StsPair(double.Parse(f[0], CultureInfo.InvariantCulture), f[1], f[2]))
            .ToList();
    }
}

public static class Statistics
{
    public static double Spearman(double[] x, double[] y) => Pearson(Ranks(x), Ranks(y));

    private static double[] Ranks(double[] values)
    {
        var order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Length];
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]])
            {
                end++;
            }

            var averageRank = ((start + end) / 2.0) + 1;
            for (var k = start; k <= end; k++)
            {
                ranks[order[k]] = averageRank;
            }

            start = end + 1;
        }

        return ranks;
    }

    private static double Pearson(double[] x, double[] y)
    {
        var meanX = x.Average();
        var meanY = y.Average();
        double covariance = 0, varianceX = 0, varianceY = 0;
        for (var i = 0; i < x.Length; i++)
        {
            covariance += (x[i] - meanX) * (y[i] - meanY);
            varianceX += (x[i] - meanX) * (x[i] - meanX);
            varianceY += (y[i] - meanY) * (y[i] - meanY);
        }

        return covariance / Math.Sqrt(varianceX * varianceY);
    }
}
