using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReferenceArchitectures.Bedrock;

namespace ReferenceArchitectures.Tools.PipelineReplay;

/// <summary>What StartExecution answered: the execution started (or was already running with this name and input), or the name is taken.</summary>
public sealed record StartedExecution(string? ExecutionArn, bool AlreadyExists, string? Message);

/// <summary>Starts a Step Functions execution; the one call the replay makes.</summary>
public interface IExecutionStarter
{
    Task<StartedExecution> StartExecutionAsync(string stateMachineArn, string name, string input, CancellationToken cancellationToken);
}

/// <summary>
/// StartExecution over HTTPS, signed with the repository's SigV4 signer (AWSSDK.Core's signature computation).
/// AWSSDK.StepFunctions is not served by the package registry here; the call is one JSON 1.0 request
/// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
/// </summary>
/// <remarks>
/// StartExecution is idempotent for Standard workflows: the same name and input as a running execution return that
/// execution; a name already used by a closed execution, or with a different input, is refused with
/// <c>ExecutionAlreadyExists</c> for 90 days. The replay derives the name from the dead execution, so running it twice
/// never starts a document twice.
/// </remarks>
public sealed class StepFunctionsClient(HttpClient http, AwsRequestSigner signer, string region, Uri? endpoint = null) : IExecutionStarter
{
    private const string JsonContentType = "application/x-amz-json-1.0";

    /// <summary>The regional endpoint, or the SDKs' standard override for Step Functions (<c>AWS_ENDPOINT_URL_SFN</c>).</summary>
    public Uri Endpoint { get; } = endpoint ?? new Uri($"https://states.{region}.amazonaws.com/");

    public async Task<StartedExecution> StartExecutionAsync(string stateMachineArn, string name, string input, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["stateMachineArn"] = stateMachineArn, ["name"] = name, ["input"] = input }.ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.Remove("Content-Type");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", JsonContentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "AWSStepFunctions.StartExecution");
        await signer.SignAsync(request, "states", region, cancellationToken);

        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var answer = string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
        if (response.IsSuccessStatusCode)
        {
            return new StartedExecution((string?)answer?["executionArn"], false, null);
        }

        // JSON 1.0 errors name their type in __type, sometimes after a namespace and '#'.
        var type = ((string?)answer?["__type"] ?? "").Split('#')[^1];
        var message = (string?)answer?["message"] ?? (string?)answer?["Message"] ?? text;
        if (response.StatusCode == HttpStatusCode.BadRequest && type == "ExecutionAlreadyExists")
        {
            return new StartedExecution(null, true, message);
        }

        throw new HttpRequestException($"StartExecution failed with {(int)response.StatusCode} {type}: {message}", null, response.StatusCode);
    }
}

/// <summary>Options of one replay run.</summary>
public sealed record ReplayOptions(string QueueUrl, string StateMachineArn, string TableName, bool DryRun);

/// <summary>The JSON the dead letters hold, parsed with no reflection.</summary>
internal static class Json
{
    public static JsonNode? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
