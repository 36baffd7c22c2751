using System.Collections.Concurrent;
using System.Diagnostics;
using ReferenceArchitectures.Testing.Iam;
using ReferenceArchitectures.Testing.LocalBedrock;
using ReferenceArchitectures.Testing.LocalRuntimeApi;

namespace ReferenceArchitectures.InferenceApi.Tests;

/// <summary>
/// Pattern 1's function running as a real process (the JIT build of the same code that is published with
/// Native AOT), connected to its own local Runtime API and to a local Bedrock endpoint, and configured as the
/// template configures the function: its handler string, environment variables and memory. Only what Lambda itself
/// sets stays here: the Runtime API's address, the Region, the credentials, the function's name and version, and
/// the endpoint override that points the SDK at the local Bedrock.
/// </summary>
public sealed class FunctionProcess : IAsyncDisposable
{
    /// <summary>
    /// Names Lambda sets itself and refuses in a function's configuration: a template that sets one does not deploy
    /// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
    /// </summary>
    public static IReadOnlySet<string> ReservedVariables { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    };

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private FunctionProcess(Process process, LocalRuntimeApi runtimeApi, TemplateFunction function)
    {
        _process = process;
        RuntimeApi = runtimeApi;
        Function = function;
    }

    public LocalRuntimeApi RuntimeApi { get; }

    /// <summary>The template's configuration of the function this process runs.</summary>
    public TemplateFunction Function { get; }

    public IReadOnlyCollection<string> StandardOutput => _stdout;

    public IReadOnlyCollection<string> StandardError => _stderr;

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// The environment Lambda gives <paramref name="function"/>: the template's variables, and what Lambda sets
    /// (<paramref name="lambdaSets"/>; the handler string and memory come from the template).
    /// </summary>
    /// <exception cref="InvalidOperationException">The template sets a variable Lambda reserves.</exception>
    public static Dictionary<string, string> LambdaEnvironment(TemplateFunction function, IReadOnlyDictionary<string, string> lambdaSets)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(lambdaSets);
        if (function.Environment.Keys.FirstOrDefault(ReservedVariables.Contains) is { } reserved)
        {
            throw new InvalidOperationException($"The template sets {reserved} on {function.Name}; Lambda reserves that name and refuses the configuration.");
        }

        var environment = new Dictionary<string, string>(function.Environment, StringComparer.Ordinal)
        {
            ["_HANDLER"] = function.Handler,
            ["AWS_LAMBDA_FUNCTION_NAME"] = function.Name,
            ["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST",
            ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = function.MemorySizeMb.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (name, value) in lambdaSets)
        {
            environment[name] = value;
        }

        return environment;
    }

    /// <param name="overrides">Set on top of the template's environment; a null value removes the variable.</param>
    public static async Task<FunctionProcess> StartAsync(
        TemplateFunction function, LocalBedrockServer bedrock, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(bedrock);
        var runtimeApi = await LocalRuntimeApi.StartAsync();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(FunctionAssemblyPath());

        // Nothing from the developer's own AWS setup may leak into the function.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        // Lambda hands the function its execution role's session; here each role gets its own key, which the local
        // Bedrock accepts and records, so that every call can be evaluated as that role (DeployRehearsalTests).
        var (accessKeyId, secretAccessKey) = RoleKeys.For(function.Role);
        bedrock.Accept(new LocalBedrockCredentials(accessKeyId, secretAccessKey));
        var lambdaSets = new Dictionary<string, string>
        {
            ["AWS_LAMBDA_RUNTIME_API"] = runtimeApi.Address,
            ["AWS_REGION"] = bedrock.Region,
            ["AWS_ACCESS_KEY_ID"] = accessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = secretAccessKey,
            ["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = bedrock.Endpoint.ToString(),
        };

        var environment = LambdaEnvironment(function, lambdaSets);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        foreach (var (name, value) in overrides ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = start };
        var running = new FunctionProcess(process, runtimeApi, function);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { running._stdout.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { running._stderr.Enqueue(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    /// <summary>The function's build output: the test project references it, so it is built with the tests.</summary>
    private static string FunctionAssemblyPath()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "InferenceApi.dll");
        return File.Exists(path) && File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json"))
            ? path
            : throw new FileNotFoundException($"The function's build output is missing next to the tests: {path}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        await RuntimeApi.DisposeAsync();
    }
}
