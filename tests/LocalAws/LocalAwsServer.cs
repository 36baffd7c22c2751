using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ReferenceArchitectures.Testing.LocalAws;

/// <summary>
/// A Kestrel server on 127.0.0.1 that answers the S3 (path-style REST), DynamoDB (JSON 1.0) and SQS (JSON 1.0)
/// operations the document pipeline uses, so that the real AWS SDK clients can run against it. Requests are not
/// authenticated: any SigV4 signature is accepted. Each request is recorded with the access key that signed it and what
/// IAM would authorize for it (<see cref="IamAuthorizations"/>), so that tests can evaluate the calls against policies.
/// </summary>
/// <example>
/// <code>
/// await using var aws = await LocalAwsServer.StartAsync();
/// aws.S3.CreateBucket("input", versioned: true);
/// aws.DynamoDb.CreateTable("documents", partitionKey: "pk");
/// var queueUrl = aws.Sqs.CreateQueue("dead-letters");
/// aws.InjectFault(LocalAwsService.DynamoDb, LocalFault.Throttling, times: 2);
/// // point the SDK clients at aws.Endpoint (S3 with ForcePathStyle)
/// </code>
/// </example>
public sealed class LocalAwsServer : IAsyncDisposable
{
    /// <summary>The account id in queue URLs and ARNs.</summary>
    public const string AccountId = "000000000000";

    private readonly WebApplication _app;
    private readonly FaultQueue _faults = new();
    private readonly List<LocalAwsRequest> _requests = [];
    private readonly Lock _requestsLock = new();

    private LocalAwsServer(WebApplication app)
    {
        _app = app;
        Endpoint = null!;
        S3 = new LocalS3();
        DynamoDb = new LocalDynamoDb();
        Sqs = new LocalSqs(() => Endpoint);
    }

    /// <summary>Base address, e.g. <c>http://127.0.0.1:54321/</c>; the ServiceURL of every client.</summary>
    public Uri Endpoint { get; private set; }

    public LocalS3 S3 { get; }

    public LocalDynamoDb DynamoDb { get; }

    public LocalSqs Sqs { get; }

    /// <summary>Every request answered so far, in order.</summary>
    public IReadOnlyList<LocalAwsRequest> Requests
    {
        get
        {
            lock (_requestsLock)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<LocalAwsServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options =>
        {
            options.Listen(IPAddress.Loopback, 0);
            // S3 objects of a large-document corpus exceed Kestrel's 30 MB default.
            options.Limits.MaxRequestBodySize = 512L * 1024 * 1024;
        });
        var app = builder.Build();
        var server = new LocalAwsServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server.Endpoint = new Uri(address.EndsWith('/') ? address : address + "/");
        return server;
    }

    /// <summary>
    /// Makes the next <paramref name="times"/> requests to <paramref name="service"/> (only <paramref name="operation"/>,
    /// e.g. <c>PutItem</c>, if given) fail with <paramref name="fault"/> instead of running.
    /// </summary>
    public void InjectFault(LocalAwsService service, LocalFault fault, int times = 1, string? operation = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(times);
        _faults.Enqueue(service, fault, times, operation);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        ServiceResponse response;
        LocalAwsService service;
        string operation;
        IReadOnlyList<IamAuthorization> authorizations = [];
        try
        {
            if (target.StartsWith(LocalDynamoDb.TargetPrefix, StringComparison.Ordinal))
            {
                service = LocalAwsService.DynamoDb;
                operation = target[LocalDynamoDb.TargetPrefix.Length..];
                using var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
                authorizations = IamAuthorizations.ForDynamoDb(operation, body.Json);
                response = _faults.TakeFor(service, operation) is { } fault
                    ? LocalDynamoDb.FaultResponse(fault)
                    : await DynamoDb.HandleAsync(operation, body.Stream, context.RequestAborted).ConfigureAwait(false);
            }
            else if (target.StartsWith(LocalSqs.TargetPrefix, StringComparison.Ordinal))
            {
                service = LocalAwsService.Sqs;
                operation = target[LocalSqs.TargetPrefix.Length..];
                using var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
                authorizations = IamAuthorizations.ForSqs(operation, body.Json);
                response = _faults.TakeFor(service, operation) is { } fault
                    ? LocalSqs.FaultResponse(fault)
                    : await Sqs.HandleAsync(operation, body.Stream, context.RequestAborted).ConfigureAwait(false);
            }
            else
            {
                service = LocalAwsService.S3;
                var request = await S3Request.ReadAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
                operation = request.Operation;
                authorizations = IamAuthorizations.ForS3(request);
                response = _faults.TakeFor(service, operation) is { } fault ? LocalS3.FaultResponse(fault) : S3.Handle(request);
            }
        }
        catch (LocalAwsRequestException error)
        {
            // A request the endpoint cannot read is the caller's mistake: answer in the format the caller speaks.
            (service, operation) = (error.Service, "Invalid");
            response = error.Response;
        }

        lock (_requestsLock)
        {
            _requests.Add(new LocalAwsRequest(service, operation, response.StatusCode, response.ErrorCode)
            {
                AccessKeyId = IamAuthorizations.AccessKeyId(context.Request),
                Authorizations = authorizations,
            });
        }

        await response.WriteAsync(context.Response, context.RequestAborted).ConfigureAwait(false);
    }
}

/// <summary>What the endpoint answers: status, headers, body, and the error code for the request log.</summary>
internal sealed record ServiceResponse(int StatusCode, string? ContentType, byte[] Body, IReadOnlyDictionary<string, string> Headers, string? ErrorCode = null)
{
    public static IReadOnlyDictionary<string, string> NoHeaders { get; } = new Dictionary<string, string>();

    /// <summary>The Content-Length to state instead of the body's, for HEAD answers.</summary>
    public long? DeclaredLength { get; init; }

    public async Task WriteAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCode;
        foreach (var (name, value) in Headers)
        {
            response.Headers[name] = value;
        }

        if (ContentType is not null)
        {
            response.ContentType = ContentType;
        }

        response.ContentLength = DeclaredLength ?? Body.Length;
        if (Body.Length > 0)
        {
            await response.Body.WriteAsync(Body, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>A request the endpoint could not read, with the error answer in the service's format.</summary>
internal sealed class LocalAwsRequestException : Exception
{
    public LocalAwsRequestException()
    {
        Response = new ServiceResponse(400, null, [], ServiceResponse.NoHeaders);
    }

    public LocalAwsRequestException(string message)
        : base(message)
    {
        Response = new ServiceResponse(400, null, [], ServiceResponse.NoHeaders);
    }

    public LocalAwsRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
        Response = new ServiceResponse(400, null, [], ServiceResponse.NoHeaders);
    }

    public LocalAwsRequestException(LocalAwsService service, ServiceResponse response, string message)
        : base(message)
    {
        Service = service;
        Response = response;
    }

    public LocalAwsService Service { get; }

    public ServiceResponse Response { get; }
}

/// <summary>A JSON request body read once: parsed for the request log, and replayed to the operation's handler.</summary>
internal sealed class JsonBody : IDisposable
{
    private JsonBody(MemoryStream stream, System.Text.Json.Nodes.JsonObject? json)
    {
        Stream = stream;
        Json = json;
    }

    public MemoryStream Stream { get; }

    /// <summary>The body as an object, or null when it is not one (the handler then answers the error).</summary>
    public System.Text.Json.Nodes.JsonObject? Json { get; }

    public static async Task<JsonBody> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var stream = new MemoryStream();
        await request.Body.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
        System.Text.Json.Nodes.JsonObject? json;
        try
        {
            json = System.Text.Json.Nodes.JsonNode.Parse(stream.ToArray()) as System.Text.Json.Nodes.JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            json = null;
        }

        stream.Position = 0;
        return new JsonBody(stream, json);
    }

    public void Dispose() => Stream.Dispose();
}
