using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ReferenceArchitectures.Bedrock;

namespace ReferenceArchitectures.Pipeline;

/// <summary>What StartExecution answered: the execution started (or was already running with this name and input), or the name is taken.</summary>
public sealed record StartedExecution(string? ExecutionArn, bool AlreadyExists, string? Message);

/// <summary>Starts a Step Functions execution: the call the replay and the execution gate make.</summary>
public interface IExecutionStarter
{
    Task<StartedExecution> StartExecutionAsync(string stateMachineArn, string name, string input, CancellationToken cancellationToken);
}

/// <summary>Reads an execution's status: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED or PENDING_REDRIVE; null when no such execution exists.</summary>
public interface IExecutionStatusReader
{
    Task<string?> DescribeExecutionStatusAsync(string executionArn, CancellationToken cancellationToken);
}

/// <summary>
/// StartExecution and DescribeExecution over HTTPS, signed with the repository's SigV4 signer (AWSSDK.Core's signature
/// computation). AWSSDK.StepFunctions is not served by the package registry here; each call is one JSON 1.0 request
/// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html,
/// https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html).
/// </summary>
/// <remarks>
/// StartExecution is idempotent for Standard workflows: the same name and input as a running execution return that
/// execution; a name already used by a closed execution, or with a different input, is refused with
/// <c>ExecutionAlreadyExists</c> for 90 days. Callers derive the name from what they start (the replay from the dead
/// execution, the gate from the upload event), so a second attempt never starts a document twice.
/// </remarks>
public sealed class StepFunctionsClient(HttpClient http, AwsRequestSigner signer, string region, Uri? endpoint = null) : IStepFunctions
{
    private const string JsonContentType = "application/x-amz-json-1.0";

    /// <summary>The regional endpoint, or the SDKs' standard override for Step Functions (<c>AWS_ENDPOINT_URL_SFN</c>).</summary>
    public Uri Endpoint { get; } = endpoint ?? new Uri($"https://states.{region}.amazonaws.com/");

    public async Task<StartedExecution> StartExecutionAsync(string stateMachineArn, string name, string input, CancellationToken cancellationToken)
    {
        var (status, type, message, answer) = await CallAsync("StartExecution",
            new JsonObject { ["stateMachineArn"] = stateMachineArn, ["name"] = name, ["input"] = input }, cancellationToken);
        if (status == HttpStatusCode.OK)
        {
            return new StartedExecution((string?)answer?["executionArn"], false, null);
        }

        return status == HttpStatusCode.BadRequest && type == "ExecutionAlreadyExists"
            ? new StartedExecution(null, true, message)
            : throw new HttpRequestException($"StartExecution failed with {(int)status} {type}: {message}", null, status);
    }

    public async Task<string?> DescribeExecutionStatusAsync(string executionArn, CancellationToken cancellationToken)
    {
        var (status, type, message, answer) = await CallAsync("DescribeExecution", new JsonObject { ["executionArn"] = executionArn }, cancellationToken);
        if (status == HttpStatusCode.OK)
        {
            return (string?)answer?["status"] ?? throw new HttpRequestException("DescribeExecution answered without a status.");
        }

        return status == HttpStatusCode.BadRequest && type == "ExecutionDoesNotExist"
            ? null
            : throw new HttpRequestException($"DescribeExecution failed with {(int)status} {type}: {message}", null, status);
    }

    private async Task<(HttpStatusCode Status, string Type, string Message, JsonNode? Answer)> CallAsync(string operation, JsonObject body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8) };
        request.Content.Headers.Remove("Content-Type");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", JsonContentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "AWSStepFunctions." + operation);
        await signer.SignAsync(request, "states", region, cancellationToken).ConfigureAwait(false);

        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var answer = string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
        if (response.IsSuccessStatusCode)
        {
            return (HttpStatusCode.OK, "", "", answer);
        }

        // JSON 1.0 errors name their type in __type, sometimes after a namespace and '#'.
        var type = ((string?)answer?["__type"] ?? "").Split('#')[^1];
        var message = (string?)answer?["message"] ?? (string?)answer?["Message"] ?? text;
        return (response.StatusCode, type, message, answer);
    }
}
