using ReferenceArchitectures.Tools.Advisor;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, eventArgs) =>
{
    eventArgs.Cancel = true;
    cancellation.Cancel();
};

return await AdvisorCommand.RunAsync(args, Console.Out, Console.Error, cancellation.Token);
