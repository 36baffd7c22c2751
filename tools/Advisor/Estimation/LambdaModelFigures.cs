using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReferenceArchitectures.Tools.Advisor.Estimation;

/// <summary>The Lambda-hosted model (pattern 5) at one memory size, as its benchmark measured it.</summary>
public sealed record MeasuredLambdaSize(
    [property: JsonPropertyName("memoryMb")] int MemoryMb,
    [property: JsonPropertyName("initMs")] double InitMs,
    [property: JsonPropertyName("firstAnswerMs")] double FirstAnswerMs,
    [property: JsonPropertyName("meanMs")] double MeanMs,
    [property: JsonPropertyName("p99Ms")] double P99Ms,
    [property: JsonPropertyName("ratioToServer")] double RatioToServer);

/// <summary>The model server (pattern 2) on one vCPU, measured in the same run: the baseline each Lambda size is compared with.</summary>
public sealed record MeasuredServer([property: JsonPropertyName("meanMs")] double MeanMs);

/// <summary>
/// What <c>tests/Benchmarks/LambdaModel</c> measured (its <c>--json</c> file, committed as
/// <c>tools/Advisor/measured/lambda-model.json</c>): per memory size, the function's init and warm duration per one-text
/// request, and the median over the repeats of its ratio to the model server's on one vCPU in the same repeat. The advisor
/// prices pattern 5 from that ratio, so a profile's own duration (measured on one vCPU, like the server's task) carries
/// over to Lambda at any memory size.
/// </summary>
public sealed record LambdaModelFigures(
    [property: JsonPropertyName("measured")] string Measured,
    [property: JsonPropertyName("packageUnzippedBytes")] double PackageUnzippedBytes,
    [property: JsonPropertyName("modelBytes")] double ModelBytes,
    [property: JsonPropertyName("server")] MeasuredServer? Server,
    [property: JsonPropertyName("sizes")] IReadOnlyList<MeasuredLambdaSize> Sizes)
{
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "measured", "lambda-model.json");

    private static readonly Lazy<LambdaModelFigures> Repository = new(() => Load(DefaultPath));

    /// <summary>The repository's measured figures, read once.</summary>
    public static LambdaModelFigures Default => Repository.Value;

    /// <summary>The function's package without the model: the Native AOT bootstrap and ONNX Runtime's native library.</summary>
    public double RuntimeBytes => PackageUnzippedBytes - ModelBytes;

    public static LambdaModelFigures Load(string path)
    {
        LambdaModelFigures? figures;
        try
        {
            figures = JsonSerializer.Deserialize<LambdaModelFigures>(File.ReadAllText(path));
        }
        catch (JsonException exception)
        {
            throw new AdvisorInputException($"{path}: the measured figures do not parse: {exception.Message}", exception);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new AdvisorInputException($"{path}: cannot read the measured figures: {exception.Message}", exception);
        }

        return figures?.Validated(path) ?? throw new AdvisorInputException($"{path}: the measured figures are empty.");
    }

    private LambdaModelFigures Validated(string path)
    {
        if (Sizes is null || Sizes.Count == 0)
        {
            throw new AdvisorInputException($"{path}: the measured figures need at least one memory size.");
        }

        if (Sizes.Any(size => size.MemoryMb <= 0 || size.RatioToServer <= 0 || size.InitMs <= 0) || Sizes.Select(size => size.MemoryMb).Distinct().Count() != Sizes.Count)
        {
            throw new AdvisorInputException($"{path}: each measured size needs its own memory, a positive init and a positive ratio to the server.");
        }

        if (ModelBytes <= 0 || PackageUnzippedBytes <= ModelBytes)
        {
            throw new AdvisorInputException($"{path}: the package size must be larger than the model it holds.");
        }

        return this with { Sizes = [.. Sizes.OrderBy(size => size.MemoryMb)] };
    }

    /// <summary>
    /// How much longer a request takes on Lambda at <paramref name="memoryMb"/> than on the server's one vCPU. Between
    /// two measured sizes it is interpolated in the CPU share (1/memory); below the smallest it grows as the CPU share
    /// shrinks (Lambda's CPU is proportional to memory); above the largest it stays at the largest's (more memory buys
    /// more threads, which this benchmark did not measure beyond its machine's cores).
    /// </summary>
    public double DurationRatio(int memoryMb) => Interpolate(memoryMb, size => size.RatioToServer);

    public TimeSpan Init(int memoryMb) => TimeSpan.FromMilliseconds(Interpolate(memoryMb, size => size.InitMs));

    public TimeSpan FirstAnswer(int memoryMb) => TimeSpan.FromMilliseconds(Interpolate(memoryMb, size => size.FirstAnswerMs));

    public int LargestMeasuredMb => Sizes[^1].MemoryMb;

    private double Interpolate(int memoryMb, Func<MeasuredLambdaSize, double> figure)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(memoryMb);
        if (memoryMb <= Sizes[0].MemoryMb)
        {
            return figure(Sizes[0]) * Sizes[0].MemoryMb / memoryMb;
        }

        if (memoryMb >= Sizes[^1].MemoryMb)
        {
            return figure(Sizes[^1]);
        }

        var above = Sizes.First(size => size.MemoryMb >= memoryMb);
        var below = Sizes.Last(size => size.MemoryMb <= memoryMb);
        if (above.MemoryMb == below.MemoryMb)
        {
            return figure(above);
        }

        var t = ((1.0 / below.MemoryMb) - (1.0 / memoryMb)) / ((1.0 / below.MemoryMb) - (1.0 / above.MemoryMb));
        return figure(below) + (t * (figure(above) - figure(below)));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"measured {Measured}, {Sizes.Count} sizes");
}
