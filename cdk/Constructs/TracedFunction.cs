using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>What a <see cref="TracedFunction"/> runs, and what its role may do besides writing its logs and traces.</summary>
public sealed record TracedFunctionOptions
{
    /// <summary>The executable, built for <see cref="Architecture"/>; several functions may share one.</summary>
    public required Code Code { get; init; }

    public required Architecture Architecture { get; init; }

    /// <summary>The <c>_HANDLER</c> value: which handler of the executable this function runs.</summary>
    public required string Handler { get; init; }

    public required string Description { get; init; }

    /// <summary>Shown on the role in IAM: what it is for and what it may do.</summary>
    public required string RoleDescription { get; init; }

    public required int MemorySizeMb { get; init; }

    public required int TimeoutSeconds { get; init; }

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>What the function needs besides its own log group and X-Ray, each scoped to ARNs.</summary>
    public IReadOnlyList<PolicyStatement> Statements { get; init; } = [];

    /// <summary>Null leaves the function on the account's unreserved concurrency.</summary>
    public int? ReservedConcurrentExecutions { get; init; }

    public required RetentionDays LogRetention { get; init; }

    public required RemovalPolicy LogRemovalPolicy { get; init; }
}

/// <summary>
/// A Lambda function on the <c>provided.al2023</c> custom runtime, with active X-Ray tracing, JSON logs in a log group
/// of its own, and a <see cref="FunctionRole"/> of its own that may write only to that log group and do what
/// <see cref="TracedFunctionOptions.Statements"/> allow.
/// <para>
/// It adds its resources to the scope it is given, named after the function's id: <c>{id}Logs</c>, <c>{id}Role</c>
/// and <c>{id}</c>. The log group holds data, so it stays in the stack's scope, where its logical id never changes; the
/// role and the function sit beside it, where the stacks created them before they shared this code, so that an
/// update replaces neither.
/// </para>
/// </summary>
public sealed class TracedFunction
{
    private TracedFunction(Function function, Role role, LogGroup logGroup)
    {
        Function = function;
        Role = role;
        LogGroup = logGroup;
    }

    public Function Function { get; }

    public Role Role { get; }

    public LogGroup LogGroup { get; }

    /// <summary>
    /// The role's policy resource, where cdk-nag reports wildcard findings; acknowledge those of
    /// <see cref="TracedFunctionOptions.Statements"/> on it.
    /// </summary>
    public IConstruct Policy => Role.Node.FindChild("DefaultPolicy").Node.FindChild("Resource");

    public static TracedFunction AddTo(Construct scope, string id, TracedFunctionOptions options)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(options);
        var logGroup = new LogGroup(scope, id + "Logs", new LogGroupProps
        {
            Retention = options.LogRetention,
            RemovalPolicy = options.LogRemovalPolicy,
        });

        var role = FunctionRole.Create(scope, id + "Role", logGroup, options.RoleDescription);
        foreach (var statement in options.Statements)
        {
            role.AddToPrincipalPolicy(statement);
        }

        var function = new Function(scope, id, new FunctionProps
        {
            Description = options.Description,
            Runtime = Runtime.PROVIDED_AL2023,
            Handler = options.Handler,
            Code = options.Code,
            Architecture = options.Architecture,
            MemorySize = options.MemorySizeMb,
            Timeout = Duration.Seconds(options.TimeoutSeconds),
            ReservedConcurrentExecutions = options.ReservedConcurrentExecutions,
            Environment = new Dictionary<string, string>(options.Environment, StringComparer.Ordinal),
            Role = role,
            Tracing = Tracing.ACTIVE,
            LoggingFormat = LoggingFormat.JSON,
            LogGroup = logGroup,
        });

        // Tracing adds its X-Ray statement to the role's default policy while the function is built.
        var traced = new TracedFunction(function, role, logGroup);
        NagAcknowledgements.Acknowledge(traced.Policy, "AwsSolutions-IAM5", NagReasons.XRayTracing, "Resource::*");
        return traced;
    }
}
