using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using ReferenceArchitectures.Cdk;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>
/// dynalite (npm, Apache-2.0): an independent implementation of DynamoDB's API on LevelDB, in memory here, with DynamoDB's
/// condition expressions, validation and error shapes. The ledger's tests run against it as well as against the
/// repository's own stand-in, so a stand-in laxer than DynamoDB shows up as a test that passes on one and fails on the other.
/// </summary>
public sealed class DynaliteServer : IAsyncDisposable
{
    private readonly Process _process;

    private DynaliteServer(Process process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public static string CliScript => RepositoryLayout.PathFromRoot(Path.Combine("node_modules", "dynalite", "cli.js"));

    public static async Task<DynaliteServer> StartAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(CliScript))
        {
            throw new InvalidOperationException($"dynalite is missing at {CliScript}; run `npm ci` in {RepositoryLayout.Root} (package.json pins it).");
        }

        var port = FreePort();
        var start = new ProcessStartInfo(LocalStateMachine.NodeExecutable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Tables are ACTIVE at once instead of after dynalite's default 500 ms in CREATING.
        foreach (var argument in new[] { CliScript, "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--createTableMs", "0" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dynalite.");
        var line = await process.StandardOutput.ReadLineAsync(cancellationToken);
        if (line?.Contains("listening", StringComparison.OrdinalIgnoreCase) != true)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"dynalite did not start: {line} {await process.StandardError.ReadToEndAsync(cancellationToken)}");
        }

        return new DynaliteServer(process, new Uri($"http://127.0.0.1:{port}/"));
    }

    public AmazonDynamoDBClient Client() =>
        new(new BasicAWSCredentials("AKIDLOCALAWS", "local/aws/secret/EXAMPLEKEY"),
            new AmazonDynamoDBConfig { ServiceURL = Endpoint.ToString(), AuthenticationRegion = LocalAwsClients.Region });

    /// <summary>Creates the ledger's table as the stack does: partition key <c>pk</c> (string), on demand.</summary>
    public async Task CreateLedgerTableAsync(string name, CancellationToken cancellationToken)
    {
        using var client = Client();
        await client.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        }, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
