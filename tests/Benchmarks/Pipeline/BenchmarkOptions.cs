using System.Globalization;

namespace ReferenceArchitectures.Benchmarks.Pipeline;

/// <summary>
/// What to run and what to assume. The defaults finish in a few minutes on a 2-core machine; every option can make
/// the run longer or change an assumption. A bad value stops the program with a message that names the option.
/// </summary>
public sealed record BenchmarkOptions
{
    public const string Usage = """
        dotnet run -c Release --project tests/Benchmarks/Pipeline [-- options]
          --text-sizes 16K,64K,256K                Markdown documents of about these sizes (K = KiB, M = MiB)
          --pdf-pages 2,10,40                      PDFs with these page counts
          --repetitions 3                          runs per path and document with the model answering at once (median)
          --modelled-repetitions 1                 runs per path and document with the modelled model latency (median)
          --model-seconds-per-call 2               assumed latency of one Converse call, output generation included
          --model-seconds-per-1k-input-tokens 0.1  assumed extra latency per 1,000 input tokens (4 characters a token)
          --fargate-start-seconds 45               assumed time from RunTask to the container running (typically 30-60 s)
          --safety-factor 3                        the light path may use at most 1/this of the analyze function's timeout
        """;

    public IReadOnlyList<long> TextSizesBytes { get; init; } = [16 * 1024, 64 * 1024, 256 * 1024];

    public IReadOnlyList<int> PdfPages { get; init; } = [2, 10, 40];

    public int Repetitions { get; init; } = 3;

    public int ModelledRepetitions { get; init; } = 1;

    public double ModelSecondsPerCall { get; init; } = 2;

    public double ModelSecondsPer1kInputTokens { get; init; } = 0.1;

    public double FargateStartSeconds { get; init; } = 45;

    public double SafetyFactor { get; init; } = 3;

    /// <exception cref="ArgumentException">An option is unknown, lacks its value, or its value is out of range.</exception>
    public static BenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new BenchmarkOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name} needs a value.");
            }

            var value = args[++i];
            options = name switch
            {
                "--text-sizes" => options with { TextSizesBytes = List(name, value, ParseSize) },
                "--pdf-pages" => options with { PdfPages = List(name, value, v => (int)Whole(name, v, 1, 2_000)) },
                "--repetitions" => options with { Repetitions = (int)Whole(name, value, 1, 100) },
                "--modelled-repetitions" => options with { ModelledRepetitions = (int)Whole(name, value, 1, 100) },
                "--model-seconds-per-call" => options with { ModelSecondsPerCall = Number(name, value, 0, 60) },
                "--model-seconds-per-1k-input-tokens" => options with { ModelSecondsPer1kInputTokens = Number(name, value, 0, 10) },
                "--fargate-start-seconds" => options with { FargateStartSeconds = Number(name, value, 0, 600) },
                "--safety-factor" => options with { SafetyFactor = Number(name, value, 1, 100) },
                _ => throw new ArgumentException($"Unknown option {name}."),
            };
        }

        return options;

        long ParseSize(string text)
        {
            var multiplier = char.ToUpperInvariant(text[^1]) switch { 'K' => 1024L, 'M' => 1024L * 1024, _ => 1L };
            var digits = multiplier == 1 ? text : text[..^1];
            var bytes = Whole("--text-sizes", digits, 1, 64L * 1024 * 1024) * multiplier;
            return bytes is >= 1024 and <= 64L * 1024 * 1024
                ? bytes
                : throw new ArgumentException($"--text-sizes takes sizes from 1K to 64M; got '{text}'.");
        }
    }

    private static List<T> List<T>(string name, string value, Func<string, T> parse)
    {
        var items = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return items.Length > 0 ? [.. items.Select(parse).Distinct().Order()] : throw new ArgumentException($"{name} needs at least one value.");
    }

    private static long Whole(string name, string text, long minimum, long maximum) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum
            ? value
            : throw new ArgumentException($"{name} takes whole numbers from {minimum} to {maximum}; got '{text}'.");

    private static double Number(string name, string text, double minimum, double maximum) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum
            ? value
            : throw new ArgumentException($"{name} takes a number from {minimum} to {maximum}; got '{text}'.");
}
