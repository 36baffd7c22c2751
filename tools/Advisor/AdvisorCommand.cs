using System.Globalization;
using ReferenceArchitectures.Tools.Advisor.Charts;
using ReferenceArchitectures.Tools.Advisor.Diagrams;
using ReferenceArchitectures.Tools.Advisor.Estimation;
using ReferenceArchitectures.Tools.Advisor.Pricing;
using ReferenceArchitectures.Tools.Advisor.Workload;

namespace ReferenceArchitectures.Tools.Advisor;

/// <summary>The command line: <c>pattern-advisor [estimate] options…</c> and <c>pattern-advisor diagrams [--out folder]</c>.</summary>
public static class AdvisorCommand
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int BadInput = 2;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        try
        {
            if (args.Count > 0 && args[0] is "--help" or "-h" or "help")
            {
                WriteUsage(output);
                return Success;
            }

            if (args.Count > 0 && args[0] == "diagrams")
            {
                return await RunDiagramsAsync(args.Skip(1).ToList(), output, cancellationToken);
            }

            var rest = args.Count > 0 && args[0] == "estimate" ? args.Skip(1).ToList() : args.ToList();
            return Estimate(rest, output);
        }
        catch (AdvisorInputException exception)
        {
            await errors.WriteLineAsync($"pattern-advisor: {exception.Message}");
            await errors.WriteLineAsync("Run `pattern-advisor --help` for the options.");
            return BadInput;
        }
        catch (OperationCanceledException)
        {
            await errors.WriteLineAsync("pattern-advisor: cancelled.");
            return Failure;
        }
#pragma warning disable CA1031 // A command-line tool reports any failure as one line and an exit code, never a stack trace.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            await errors.WriteLineAsync($"pattern-advisor: failed: {exception.Message}");
            return Failure;
        }
    }

    private static int Estimate(List<string> args, TextWriter output)
    {
        var options = ParseOptions(args,
            valueOptions: ["--profile", "--region", "--prices", "--from-template", "--chart-dir"],
            flags: ["--free-tier"]);
        var profile = ProfileReader.Read(
            options.LastOrDefault(option => option.Key == "--profile").Value,
            options.Where(option => ProfileReader.IsProfileOption(option.Key)).ToList());
        var region = options.LastOrDefault(option => option.Key == "--region").Value ?? PriceSheet.DefaultRegion;
        var prices = PriceSheet.Load(options.LastOrDefault(option => option.Key == "--prices").Value ?? PriceSheet.DefaultPath, region);

        var shapes = DeploymentShapes.Defaults;
        var shapeNotes = new List<string>();
        foreach (var template in options.Where(option => option.Key == "--from-template").Select(option => option.Value))
        {
            var (applied, notes) = TemplateShapeReader.Apply(shapes, template);
            shapes = applied;
            shapeNotes.AddRange(notes);
        }

        var estimator = new CostEstimator(prices, shapes, includeFreeTier: options.Any(option => option.Key == "--free-tier"));
        var estimates = estimator.EstimateAll(profile);
        var breakEven = BreakEven.Compute(estimator, profile);
        var recommendation = Recommendation.From(estimates, breakEven);
        ReportWriter.Write(output, profile, prices, estimates, recommendation, shapeNotes);

        if (options.LastOrDefault(option => option.Key == "--chart-dir").Value is { } chartFolder)
        {
            var breakEvenPath = Path.Combine(chartFolder, "break-even.png");
            var costsPath = Path.Combine(chartFolder, "pattern-costs.png");
            var load = string.Create(CultureInfo.InvariantCulture, $"{profile.RequestsPerDay:N0} requests/day, {Units.FormatDuration(profile.MeanDuration)} each");
            CostCharts.WriteBreakEven(breakEven, breakEvenPath, $"Lambda (pattern {(int)breakEven.LambdaPattern}) vs Fargate (pattern 2) by utilisation ({Units.FormatDuration(profile.MeanDuration)}, {profile.MemoryMiB:0} MB, {prices.Region})");
            CostCharts.WritePatternCosts(estimates, costsPath, $"Monthly cost at {load} ({prices.Region})");
            output.WriteLine();
            output.WriteLine($"Charts: {breakEvenPath}, {costsPath}");
        }

        return Success;
    }

    private static async Task<int> RunDiagramsAsync(List<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var options = ParseOptions(args, valueOptions: ["--out", "--cdk-out"], flags: []);
        var folder = options.LastOrDefault(option => option.Key == "--out").Value
            ?? Cdk.RepositoryLayout.PathFromRoot(DiagramSet.DefaultFolder);
        var diagrams = await DiagramSet.GenerateAsync(options.LastOrDefault(option => option.Key == "--cdk-out").Value, cancellationToken);
        await DiagramSet.WriteAsync(diagrams, folder, cancellationToken);
        foreach (var diagram in diagrams)
        {
            await output.WriteLineAsync(Path.Combine(folder, diagram.StackName + ".svg"));
        }

        return Success;
    }

    private static List<KeyValuePair<string, string>> ParseOptions(List<string> args, string[] valueOptions, string[] flags)
    {
        var options = new List<KeyValuePair<string, string>>();
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = args[i].Split('=', 2) is [var n, var v] ? (n, v) : (args[i], null);
            if (flags.Contains(name))
            {
                options.Add(new(name, "true"));
                continue;
            }

            if (!valueOptions.Contains(name) && !ProfileReader.IsProfileOption(name))
            {
                throw new AdvisorInputException($"unknown option '{args[i]}'.");
            }

            var value = inlineValue ?? (i + 1 < args.Count ? args[++i] : throw new AdvisorInputException($"{name} needs a value."));
            options.Add(new(name, value));
        }

        return options;
    }

    private static void WriteUsage(TextWriter output)
    {
        output.WriteLine("""
            pattern-advisor: which of the five patterns can run a workload, what each costs a month, and which to deploy.

              pattern-advisor [estimate] [--profile profile.yaml|json] [workload options] [--region us-east-1]
                              [--prices prices.json] [--from-template cdk.out/Stack.template.json]... [--chart-dir folder] [--free-tier]
              pattern-advisor diagrams [--out docs/diagrams] [--cdk-out cdk.out]

            Workload options (also the keys of a profile file, in camelCase):
            """);
        foreach (var (option, example, meaning) in ProfileReader.Describe())
        {
            output.WriteLine($"  {option} {example}".PadRight(38) + meaning);
        }

        output.WriteLine("""

            --from-template   read memory, CPU, architecture and task counts from a synthesized template of ours (repeatable)
            --chart-dir       write break-even.png and pattern-costs.png there
            --free-tier       subtract Lambda's and Step Functions' monthly free tiers
            Exit codes: 0 done, 2 bad input (the message says what), 1 other failure.
            """);
    }
}
