namespace ReferenceArchitectures.Tools.PipelineReplay;

/// <summary>
/// <c>pipeline-replay --queue-url URL --state-machine-arn ARN --table NAME [--dry-run]</c>: the three values are the
/// stack's outputs DeadLetterQueueUrl, StateMachineArn and TableName.
/// </summary>
public static class ReplayCommand
{
    public const string Usage =
        "usage: pipeline-replay --queue-url <DeadLetterQueueUrl> --state-machine-arn <StateMachineArn> --table <TableName> [--dry-run]";

    /// <summary>Reads the arguments; null (with the reason written to <paramref name="error"/>) when they are not usable.</summary>
    public static ReplayOptions? Parse(IReadOnlyList<string> args, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(error);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var dryRun = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--dry-run":
                    dryRun = true;
                    break;
                case "--queue-url" or "--state-machine-arn" or "--table" when i + 1 < args.Count:
                    values[args[i]] = args[++i];
                    break;
                default:
                    error.WriteLine($"pipeline-replay: unexpected argument '{args[i]}'.");
                    error.WriteLine(Usage);
                    return null;
            }
        }

        string[] required = ["--queue-url", "--state-machine-arn", "--table"];
        if (required.FirstOrDefault(name => !values.ContainsKey(name)) is { } missing)
        {
            error.WriteLine($"pipeline-replay: {missing} is required.");
            error.WriteLine(Usage);
            return null;
        }

        if (!values["--state-machine-arn"].Contains(":stateMachine:", StringComparison.Ordinal))
        {
            error.WriteLine($"pipeline-replay: --state-machine-arn must be a state machine ARN, not '{values["--state-machine-arn"]}'.");
            return null;
        }

        return new ReplayOptions(values["--queue-url"], values["--state-machine-arn"], values["--table"], dryRun);
    }
}
