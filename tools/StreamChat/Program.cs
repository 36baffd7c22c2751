using ReferenceArchitectures.Bedrock;
using ReferenceArchitectures.Tools.StreamChat;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
var signer = new AwsRequestSigner(new DefaultAwsCredentialSource());
try
{
    return await new StreamChatCommand(http, signer, Console.Out, Console.Error).RunAsync(args, cancel.Token);
}
catch (HttpRequestException ex)
{
    await Console.Error.WriteLineAsync($"stream-chat: the request failed: {ex.Message}");
    return 1;
}
catch (Amazon.Runtime.AmazonClientException ex)
{
    // Most often: no credentials in the environment, profile or instance metadata.
    await Console.Error.WriteLineAsync($"stream-chat: could not get AWS credentials: {ex.Message}");
    return 1;
}
catch (OperationCanceledException)
{
    return 130;
}
