using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReferenceArchitectures.Testing.LocalBedrock;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>Runs one execution to its end: the input and the execution ARN StartExecution gave it.</summary>
public delegate Task<ExecutionOutcome> ExecutionRunner(JsonNode input, string executionArn, CancellationToken cancellationToken);

/// <summary>
/// A local endpoint for Step Functions' StartExecution, as the AWS JSON 1.0 protocol carries it
/// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html): the <c>X-Amz-Target</c>
/// header, a SigV4 signature for the service <c>states</c> (verified with LocalBedrock's verifier), the state machine's
/// ARN, the name's documented form (1 to 80 characters; no white space, brackets, wildcards, the listed special or
/// control characters), the 256 KiB input quota, and the name's rules: the same name and input as a running execution
/// return that execution; a name used before otherwise gives <c>ExecutionAlreadyExists</c>. Every started execution runs
/// through <see cref="ExecutionRunner"/> in the background; <see cref="WhenIdleAsync"/> waits for all of them.
/// </summary>
/// <remarks>Relaxed: names are remembered for the endpoint's life, not 90 days; only StartExecution is served.</remarks>
public sealed partial class LocalStepFunctions : IAsyncDisposable
{
    public const string AccessKeyId = "AKIDLOCALSFN";
    public const string SecretAccessKey = "local/step/functions/secret";

    private readonly WebApplication _app;
    private readonly SigV4Verifier _verifier = new(AccessKeyId, SecretAccessKey, "states", PipelineDefinition.Region);
    private readonly ConcurrentDictionary<string, (string Input, string Arn, Task<ExecutionOutcome> Run)> _executions = new(StringComparer.Ordinal);
    private readonly ExecutionRunner _runner;
    private readonly CancellationToken _lifetime;

    private LocalStepFunctions(WebApplication app, ExecutionRunner runner, CancellationToken lifetime)
    {
        _app = app;
        _runner = runner;
        _lifetime = lifetime;
        Endpoint = null!;
    }

    public Uri Endpoint { get; private set; }

    /// <summary>Every execution started here, by name.</summary>
    public IReadOnlyDictionary<string, string> Started => _executions.ToDictionary(e => e.Key, e => e.Value.Arn, StringComparer.Ordinal);

    public static async Task<LocalStepFunctions> StartAsync(ExecutionRunner runner, CancellationToken lifetime)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var service = new LocalStepFunctions(app, runner, lifetime);
        app.MapPost("/", (Delegate)service.HandleAsync);
        await app.StartAsync(lifetime);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        service.Endpoint = new Uri(address.TrimEnd('/') + "/");
        return service;
    }

    /// <summary>Waits until every execution started so far has ended, and returns their outcomes.</summary>
    public async Task<IReadOnlyList<ExecutionOutcome>> WhenIdleAsync() => await Task.WhenAll(_executions.Values.Select(e => e.Run));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        var request = context.Request;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var headers = request.Headers.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v ?? ""))).ToList();
        var signature = _verifier.Verify(request.Method, rawTarget, headers, body);
        if (!signature.IsValid)
        {
            return Error(HttpStatusCode.BadRequest, signature.ErrorType, signature.Message);
        }

        if (request.Headers["X-Amz-Target"] != "AWSStepFunctions.StartExecution")
        {
            return Error(HttpStatusCode.BadRequest, "UnknownOperationException", $"The local endpoint serves StartExecution only, not '{request.Headers["X-Amz-Target"]}'.");
        }

        if (!request.ContentType?.StartsWith("application/x-amz-json-1.0", StringComparison.Ordinal) ?? true)
        {
            return Error(HttpStatusCode.BadRequest, "SerializationException", "Content-Type must be application/x-amz-json-1.0.");
        }

        var call = JsonNode.Parse(body)!.AsObject();
        var stateMachineArn = (string?)call["stateMachineArn"];
        var name = (string?)call["name"] ?? Guid.NewGuid().ToString();
        var input = (string?)call["input"] ?? "{}";
        if (stateMachineArn != PipelineDefinition.StateMachineArn)
        {
            return Error(HttpStatusCode.BadRequest, "StateMachineDoesNotExist", $"State Machine Does Not Exist: '{stateMachineArn}'");
        }

        if (name.Length is < 1 or > 80 || InvalidName().IsMatch(name))
        {
            return Error(HttpStatusCode.BadRequest, "InvalidName", $"Invalid Name: '{name}'");
        }

        if (Encoding.UTF8.GetByteCount(input) > 256 * 1024 || JsonNode.Parse(input) is not { } parsed)
        {
            return Error(HttpStatusCode.BadRequest, "InvalidExecutionInput", "The input is not JSON of at most 256 KiB.");
        }

        var arn = PipelineDefinition.StateMachineArn.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":" + name;
        var execution = _executions.GetOrAdd(name, _ => (input, arn, Task.Run(() => _runner(parsed, arn, _lifetime))));
        if (execution.Input != input || execution.Run.IsCompleted)
        {
            return Error(HttpStatusCode.BadRequest, "ExecutionAlreadyExists", $"Execution Already Exists: '{arn}'");
        }

        return TypedResults.Json(new JsonObject { ["executionArn"] = arn, ["startDate"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds() });
    }

    private static Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<JsonObject> Error(HttpStatusCode status, string type, string message) =>
        TypedResults.Json(new JsonObject { ["__type"] = type, ["message"] = message }, statusCode: (int)status, contentType: "application/x-amz-json-1.0");

    // White space, brackets < > { } [ ], wildcards ? *, the special characters " # % \ ^ | ~ ` $ & , ; : /, control characters.
    [GeneratedRegex(@"[\s<>{}\[\]?*""#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]")]
    private static partial Regex InvalidName();
}
