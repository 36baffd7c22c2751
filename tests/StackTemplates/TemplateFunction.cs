using System.Diagnostics;
using System.Text.Json.Nodes;

namespace ReferenceArchitectures.Testing.StackTemplates;

/// <summary>One Lambda function as the template configures it: what Lambda reads to start it.</summary>
/// <param name="Name">Its local name: the logical id (the deployed function gets a generated name).</param>
/// <param name="Environment">Its environment variables, references resolved to the local names.</param>
/// <param name="Role">The logical id of its execution role, whose credentials its calls are signed with.</param>
public sealed record TemplateFunction(string Name, string Handler, int MemorySizeMb, TimeSpan Timeout, IReadOnlyDictionary<string, string> Environment, string Role);

/// <summary>
/// A template's Lambda functions as a local run starts them: which function a route or URL invokes, and the
/// environment Lambda would give it.
/// </summary>
public static class TemplateFunctions
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

    /// <summary>The function the HTTP API's route <paramref name="routeKey"/> (<c>POST /v1/chat</c>) integrates with.</summary>
    public static TemplateFunction RouteFunction(this StackTemplate template, string routeKey)
    {
        ArgumentNullException.ThrowIfNull(template);
        var route = template.OfType("AWS::ApiGatewayV2::Route").Where(r => (string?)r.Value["Properties"]?["RouteKey"] == routeKey).ToList();
        if (route.Count != 1)
        {
            throw new InvalidOperationException($"Expected one route '{routeKey}', found {route.Count}.");
        }

        // Target: "integrations/" joined with a Ref to the integration.
        var integrationId = (route[0].Value["Properties"]?["Target"]?["Fn::Join"]?[1]?.AsArray() ?? [])
            .Select(StackTemplate.RefTarget).OfType<string>().SingleOrDefault()
            ?? throw new InvalidOperationException($"Route '{routeKey}' has no integrations/<id> target.");
        return template.FunctionInvokedBy(template.Resource(integrationId)["Properties"]?["IntegrationUri"]);
    }

    /// <summary>The function that <paramref name="target"/> (an integration's URI, a URL's target) invokes: by its ARN, or
    /// by a <c>live</c> alias's when provisioned concurrency is on.</summary>
    public static TemplateFunction FunctionInvokedBy(this StackTemplate template, JsonNode? target)
    {
        ArgumentNullException.ThrowIfNull(template);
        var id = StackTemplate.GetAttTarget(target, "Arn")
            ?? (StackTemplate.RefTarget(target) is { } alias && template.TypeOf(alias) == "AWS::Lambda::Alias"
                ? StackTemplate.RefTarget(template.Resource(alias)["Properties"]?["FunctionName"])
                : null)
            ?? throw new InvalidOperationException($"Cannot tell which function {target?.ToJsonString()} invokes.");
        var resource = template.Resource(id);
        if ((string?)resource["Type"] != "AWS::Lambda::Function")
        {
            throw new InvalidOperationException($"{target?.ToJsonString()} invokes {id}, which is not an AWS::Lambda::Function.");
        }

        var properties = resource["Properties"]!;
        var variables = properties["Environment"]?["Variables"]?.AsObject() ?? [];
        return new TemplateFunction(
            id,
            (string)properties["Handler"]!,
            // Lambda's defaults when the template leaves them out (AWS::Lambda::Function: MemorySize 128, Timeout 3).
            (int?)properties["MemorySize"] ?? 128,
            TimeSpan.FromSeconds((int?)properties["Timeout"] ?? 3),
            variables.ToDictionary(v => v.Key, v => template.Resolve(v.Value), StringComparer.Ordinal),
            StackTemplate.GetAttTarget(properties["Role"], "Arn") ?? throw new InvalidOperationException($"{id}'s Role is not a Fn::GetAtt of a role's Arn."));
    }

    /// <summary>
    /// The environment Lambda gives <paramref name="function"/>: the template's variables, and what Lambda sets
    /// (<paramref name="lambdaSets"/>; the handler string and memory come from the template).
    /// </summary>
    /// <exception cref="InvalidOperationException">The template sets a variable Lambda reserves.</exception>
    public static Dictionary<string, string> LambdaEnvironment(this TemplateFunction function, IReadOnlyDictionary<string, string> lambdaSets)
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

    /// <summary>
    /// How a local run starts <paramref name="function"/>'s build output as Lambda would start it: output and errors
    /// redirected, nothing from the developer's own AWS setup, the environment of <see cref="LambdaEnvironment"/>, then
    /// <paramref name="overrides"/> (a null value removes the variable).
    /// </summary>
    public static ProcessStartInfo ProcessStart(this TemplateFunction function, string fileName, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string> lambdaSets, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in function.LambdaEnvironment(lambdaSets))
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

        return start;
    }
}
