using Amazon.CDK;
using Amazon.CDK.AWS.Logs;
using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.LambdaModel;

/// <summary>Settings of the Lambda-hosted model. Every default deploys a working, locked-down stack.</summary>
public sealed class LambdaModelStackProps : StackProps
{
    /// <summary>Lambda gives a function the equivalent of one vCPU at 1,769 MB, and CPU in proportion to memory
    /// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).</summary>
    public const int MemoryPerVcpuMb = 1_769;

    /// <summary>The most vCPUs a function gets, at 10,240 MB
    /// (https://aws.amazon.com/blogs/aws/new-for-aws-lambda-functions-with-up-to-10-gb-of-memory-and-6-vcpus/).</summary>
    public const int MaxVcpus = 6;

    /// <summary>
    /// Memory of the function, and with it its CPU. The default gives one vCPU: the model runs on CPU, so below it every
    /// request is slower in proportion (the README's table gives the measured figures per size).
    /// </summary>
    public int MemorySizeMb { get; init; } = MemoryPerVcpuMb;

    /// <summary>The least <see cref="MemorySizeMb"/>: the model and ONNX Runtime use about 325 MiB at their peak (measured).</summary>
    public const int MinMemorySizeMb = 512;

    /// <summary>
    /// Well below the HTTP API's 30-second integration limit
    /// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html): a cold start's init (the
    /// model's load, 0.6 s measured at 1,769 MB, 1.0 s at 1,024 MB, 2.0 s at 512 MB) comes before the invocation and
    /// outside its timeout, but inside the API's 30 seconds.
    /// </summary>
    public int TimeoutSeconds { get; init; } = 25;

    /// <summary>The longest <see cref="TimeoutSeconds"/>: 30 s of the API less room for a cold start's init.</summary>
    public const int MaxTimeoutSeconds = 27;

    public ProcessorArchitecture Architecture { get; init; } = ProcessorArchitecture.X64;

    /// <summary>Reserved concurrency; null reserves none (the account pool is shared).</summary>
    public int? ReservedConcurrentExecutions { get; init; }

    /// <summary>Execution environments kept initialized (model loaded) on the <c>live</c> alias; 0 creates no alias.</summary>
    public int ProvisionedConcurrentExecutions { get; init; }

    /// <summary>Most texts in one request; null keeps the function's default (256, as the model server).</summary>
    public int? MaxInputsPerRequest { get; init; }

    /// <summary>Longest text in characters; null keeps the function's default (16,384, as the model server).</summary>
    public int? MaxCharactersPerInput { get; init; }

    public RetentionDays LogRetention { get; init; } = RetentionDays.ONE_MONTH;

    /// <summary>Destroy, so that <c>cdk destroy</c> of a trial leaves nothing behind; choose Retain where logs are evidence.</summary>
    public RemovalPolicy LogRemovalPolicy { get; init; } = RemovalPolicy.DESTROY;

    /// <summary>Steady-state requests per second allowed by the API's default stage.</summary>
    public double ThrottlingRateLimit { get; init; } = 50;

    /// <summary>Burst of requests allowed above the rate by the API's default stage.</summary>
    public int ThrottlingBurstLimit { get; init; } = 100;

    /// <summary>E-mail address subscribed to the alarm topic; null subscribes nobody.</summary>
    public string? AlarmEmail { get; init; }

    /// <summary>
    /// The threads one model run uses: the whole vCPUs Lambda gives <see cref="MemorySizeMb"/>, at least 1. Rounded down:
    /// a thread beyond the CPU share is throttled and holds up every parallel step (measured: one text took 20.3 ms on 2
    /// threads at 3,008 MB, 1.7 vCPUs, against 13.3 ms on 1 thread at 1,769 MB).
    /// </summary>
    public int IntraOpThreads => Math.Clamp(MemorySizeMb / MemoryPerVcpuMb, 1, MaxVcpus);

    /// <summary>Checks every setting and throws an <see cref="ArgumentException"/> whose ParamName is the property at fault.</summary>
    public void Validate()
    {
        PropsRules.RequireFunctionMemory(MemorySizeMb, nameof(MemorySizeMb));
        // The model and ONNX Runtime take about 300 MB before the first request; less memory fails init.
        PropsRules.RequireRange(MemorySizeMb, MinMemorySizeMb, 10_240, nameof(MemorySizeMb));
        PropsRules.RequireRange(TimeoutSeconds, 1, MaxTimeoutSeconds, nameof(TimeoutSeconds));
        if (ReservedConcurrentExecutions is { } reserved)
        {
            PropsRules.RequireRange(reserved, 0, int.MaxValue, nameof(ReservedConcurrentExecutions));
        }

        PropsRules.RequireRange(ProvisionedConcurrentExecutions, 0, ReservedConcurrentExecutions ?? int.MaxValue, nameof(ProvisionedConcurrentExecutions));
        if (MaxInputsPerRequest is { } inputs)
        {
            PropsRules.RequireRange(inputs, 1, 2048, nameof(MaxInputsPerRequest));
        }

        if (MaxCharactersPerInput is { } characters)
        {
            PropsRules.RequireRange(characters, 1, 1_000_000, nameof(MaxCharactersPerInput));
        }

        PropsRules.RequirePositive(ThrottlingRateLimit, nameof(ThrottlingRateLimit));
        PropsRules.RequireRange(ThrottlingBurstLimit, 1, int.MaxValue, nameof(ThrottlingBurstLimit));
        PropsRules.RequireEmail(AlarmEmail, nameof(AlarmEmail));
    }
}
