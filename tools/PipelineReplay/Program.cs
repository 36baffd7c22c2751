using ReferenceArchitectures.Bedrock;
using ReferenceArchitectures.Pipeline;
using ReferenceArchitectures.Tools.PipelineReplay;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

if (ReplayCommand.Parse(args, Console.Error) is not { } options)
{
    return 2;
}

// The Region is the state machine's; endpoints can be overridden with the SDKs' standard variables (AWS_ENDPOINT_URL_*).
var region = options.StateMachineArn.Split(':')[3];
using var aws = PipelineAwsClients.FromEnvironment(region, Environment.GetEnvironmentVariable);
using var credentials = new DefaultAwsCredentialSource();
using var http = new HttpClient();
var endpoint = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_SFN") is { Length: > 0 } url ? new Uri(url) : null;
var stepFunctions = new StepFunctionsClient(http, new AwsRequestSigner(credentials), region, endpoint);
try
{
    var outcomes = await new DeadLetterReplay(aws, stepFunctions, Console.Out).RunAsync(options, cancel.Token);
    return outcomes.Any(outcome => outcome.Action == ReplayAction.CannotReplay) ? 1 : 0;
}
catch (Exception ex) when (ex is HttpRequestException or Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException)
{
    await Console.Error.WriteLineAsync($"pipeline-replay: {ex.Message}");
    return 1;
}
catch (OperationCanceledException)
{
    return 130;
}
