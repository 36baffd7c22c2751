using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>
/// The code behind one Task state. It receives what the integration would hand to the real target: the Lambda
/// payload, the container's environment overrides (as a JSON object) for ECS, or the SendMessage parameters for SQS,
/// and returns the Lambda payload, nothing for ECS (the container's exit code 0), or the SendMessage answer.
/// </summary>
public delegate Task<JsonNode?> PipelineTask(JsonNode? input, CancellationToken cancellationToken);

/// <summary>A failure to report to the state machine under a Step Functions error name, e.g. <c>Lambda.TooManyRequestsException</c>.</summary>
public sealed class TaskFailedException : Exception
{
    public TaskFailedException()
        : this("States.TaskFailed", "The task failed.")
    {
    }

    public TaskFailedException(string message)
        : this("States.TaskFailed", message)
    {
    }

    public TaskFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = "States.TaskFailed";
    }

    public TaskFailedException(string error, string cause)
        : base(cause)
    {
        Error = error;
    }

    public string Error { get; }
}

/// <summary>One call of a Task state as the host received it.</summary>
public sealed record TaskInvocation(string StateName, string Resource, JsonNode? Input);

/// <summary>
/// The "task host" that run-state-machine.mjs calls for every Task state: a Kestrel endpoint on 127.0.0.1 that
/// dispatches by state name to a registered <see cref="PipelineTask"/> and shapes the answer as the state's service
/// integration would (Lambda invoke, ECS RunTask .sync, SQS SendMessage), including how each reports failures.
/// </summary>
public sealed class PipelineTaskHost : IAsyncDisposable
{
    private const string LambdaInvoke = "arn:aws:states:::lambda:invoke";
    private const string EcsRunTaskSync = "arn:aws:states:::ecs:runTask.sync";
    private const string SqsSendMessage = "arn:aws:states:::sqs:sendMessage";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, PipelineTask> _tasks = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<TaskInvocation> _invocations = new();

    private PipelineTaskHost(WebApplication app)
    {
        _app = app;
        Url = null!;
    }

    /// <summary>Base address with a trailing '/', the runner's task-host argument.</summary>
    public Uri Url { get; private set; }

    public IReadOnlyList<TaskInvocation> Invocations => [.. _invocations];

    public static async Task<PipelineTaskHost> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var host = new PipelineTaskHost(app);
        app.MapPost("/tasks/{stateName}", host.RunTaskAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        host.Url = new Uri(address.TrimEnd('/') + "/");
        return host;
    }

    /// <summary>Binds <paramref name="stateName"/> to <paramref name="task"/>, replacing any earlier binding.</summary>
    public PipelineTaskHost Map(string stateName, PipelineTask task)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stateName);
        ArgumentNullException.ThrowIfNull(task);
        _tasks[stateName] = task;
        return this;
    }

    /// <summary>The task bound to <paramref name="stateName"/>, to wrap it in a fault.</summary>
    public PipelineTask TaskOf(string stateName) =>
        _tasks.TryGetValue(stateName, out var task) ? task : throw new InvalidOperationException($"No task is registered for the state '{stateName}'.");

    /// <summary>The invocations of one state, in order.</summary>
    public IReadOnlyList<TaskInvocation> InvocationsOf(string stateName) =>
        [.. Invocations.Where(invocation => invocation.StateName == stateName)];

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<IResult> RunTaskAsync(string stateName, HttpRequest request, CancellationToken cancellationToken)
    {
        JsonObject call;
        try
        {
            call = (await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken))?.AsObject()
                ?? throw new JsonException("The body is not a JSON object.");
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
            return TypedResults.Problem(error.Message, statusCode: StatusCodes.Status400BadRequest, title: "The task call is not a JSON object");
        }

        var resource = (string?)call["resource"] ?? string.Empty;
        var input = call["input"];
        if (!_tasks.TryGetValue(stateName, out var task))
        {
            return TypedResults.Problem($"No task is registered for the state '{stateName}'; call Map(\"{stateName}\", ...).", statusCode: StatusCodes.Status404NotFound, title: "Unknown state");
        }

        _invocations.Enqueue(new TaskInvocation(stateName, resource, input?.DeepClone()));
        var integration = IntegrationOf(resource);
        if (integration is null)
        {
            return TypedResults.Problem($"The state '{stateName}' uses the resource '{resource}', which the task host does not emulate.", statusCode: StatusCodes.Status400BadRequest, title: "Unknown integration");
        }

        try
        {
            var result = await (integration.Value switch
            {
                Integration.Lambda => InvokeLambdaAsync(task, input, cancellationToken),
                Integration.Ecs => RunContainerAsync(task, input, cancellationToken),
                _ => task(SendMessageParameters(input), cancellationToken),
            });
            return TypedResults.Ok(new JsonObject { ["result"] = result });
        }
        catch (TaskFailedException failure)
        {
            return TypedResults.Ok(new JsonObject { ["error"] = failure.Error, ["cause"] = failure.Message });
        }
        catch (Exception crash) when (crash is not OperationCanceledException)
        {
            return TypedResults.Ok(integration == Integration.Ecs ? CrashedContainer(crash) : UnhandledFunctionError(crash));
        }
    }

    private static async Task<JsonNode?> InvokeLambdaAsync(PipelineTask task, JsonNode? input, CancellationToken cancellationToken)
    {
        // The lambda:invoke integration's output: the function's answer under Payload, with the invoke metadata.
        var payload = await task(input?["Payload"]?.DeepClone(), cancellationToken);
        return new JsonObject { ["ExecutedVersion"] = "$LATEST", ["Payload"] = payload, ["StatusCode"] = 200 };
    }

    private static async Task<JsonNode?> RunContainerAsync(PipelineTask task, JsonNode? input, CancellationToken cancellationToken)
    {
        var environment = new JsonObject();
        foreach (var containerOverride in input?["Overrides"]?["ContainerOverrides"]?.AsArray() ?? [])
        {
            foreach (var variable in containerOverride?["Environment"]?.AsArray() ?? [])
            {
                environment[(string)variable!["Name"]!] = variable["Value"]?.DeepClone();
            }
        }

        _ = await task(environment, cancellationToken);
        // The .sync integration's output: the stopped task as DescribeTasks describes it.
        return StoppedTask(exitCode: 0, reason: "Essential container in task exited");
    }

    private static JsonObject? SendMessageParameters(JsonNode? input)
    {
        // The SQS integration sends a JSON MessageBody as its text; the queue only ever holds strings.
        var parameters = input?.DeepClone().AsObject();
        if (parameters?["MessageBody"] is JsonObject or JsonArray)
        {
            parameters["MessageBody"] = parameters["MessageBody"]!.ToJsonString();
        }

        return parameters;
    }

    private static JsonObject UnhandledFunctionError(Exception crash) => new()
    {
        // Step Functions names an unhandled function error after the runtime's errorType (the exception's type).
        ["error"] = crash.GetType().Name,
        ["cause"] = new JsonObject { ["errorMessage"] = crash.Message, ["errorType"] = crash.GetType().Name }.ToJsonString(),
    };

    private static JsonObject CrashedContainer(Exception crash) => new()
    {
        // A container that exits non-zero fails the .sync task with States.TaskFailed and the task description as cause.
        ["error"] = "States.TaskFailed",
        ["cause"] = StoppedTask(exitCode: 1, reason: crash.Message).ToJsonString(),
    };

    private static JsonObject StoppedTask(int exitCode, string reason) => new()
    {
        ["TaskArn"] = $"arn:aws:ecs:{PipelineDefinition.Region}:{PipelineDefinition.AccountId}:task/local/{Guid.NewGuid():N}",
        ["LastStatus"] = "STOPPED",
        ["StopCode"] = "EssentialContainerExited",
        ["StoppedReason"] = reason,
        ["Containers"] = new JsonArray(new JsonObject { ["ExitCode"] = exitCode, ["LastStatus"] = "STOPPED" }),
    };

    private static Integration? IntegrationOf(string resource) =>
        resource.StartsWith(LambdaInvoke, StringComparison.Ordinal) ? Integration.Lambda
        : resource.StartsWith(EcsRunTaskSync, StringComparison.Ordinal) ? Integration.Ecs
        : resource.StartsWith(SqsSendMessage, StringComparison.Ordinal) ? Integration.Sqs
        : null;

    private enum Integration
    {
        Lambda,
        Ecs,
        Sqs,
    }
}
