using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReferenceArchitectures.Testing.LocalAws;

/// <summary>One message in a local queue.</summary>
public sealed record LocalSqsMessage(string MessageId, string Body, DateTimeOffset SentAt);

/// <summary>
/// SQS over the AWS JSON 1.0 protocol that the SDKs use (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/):
/// CreateQueue, GetQueueUrl, SendMessage, ReceiveMessage, DeleteMessage, ChangeMessageVisibility and GetQueueAttributes.
/// Message attributes are not supported and rejected with a clear error. ChangeMessageVisibility keeps SQS's rules
/// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html): a timeout
/// of 0 to 43,200 seconds counted from the call, a receipt handle of a received message, and <c>MessageNotInflight</c>
/// for a message that is visible again.
/// </summary>
public sealed class LocalSqs
{
    internal const string TargetPrefix = "AmazonSQS.";
    private readonly ConcurrentDictionary<string, Queue> _queues = new(StringComparer.Ordinal);
    private readonly Func<Uri> _endpoint;

    internal LocalSqs(Func<Uri> endpoint) => _endpoint = endpoint;

    /// <summary>Creates the queue if needed and returns its URL.</summary>
    public string CreateQueue(string name)
    {
        _queues.TryAdd(name, new Queue());
        return UrlOf(name);
    }

    /// <summary>Every message still in the queue (received or not), in the order sent.</summary>
    public IReadOnlyList<LocalSqsMessage> Messages(string queueName) =>
        _queues.TryGetValue(queueName, out var queue) ? queue.All() : [];

    internal static ServiceResponse FaultResponse(LocalFault fault) => fault switch
    {
        LocalFault.Throttling => Error(400, "ThrottlingException", "Rate exceeded"),
        _ => Error(500, "InternalFailure", "The request processing has failed because of an unknown error."),
    };

    internal async Task<ServiceResponse> HandleAsync(string operation, Stream body, CancellationToken cancellationToken)
    {
        JsonObject request;
        try
        {
            request = (await JsonNode.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false))?.AsObject()
                ?? throw new JsonException("The body is not a JSON object.");
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
            return Error(400, "InvalidParameterValue", $"The request body is not valid JSON: {error.Message}");
        }

        try
        {
            JsonObject result = operation switch
            {
                "CreateQueue" => new JsonObject { ["QueueUrl"] = CreateQueue(Required(request, "QueueName")) },
                "GetQueueUrl" => new JsonObject { ["QueueUrl"] = QueueByName(Required(request, "QueueName")).Url },
                "SendMessage" => Send(request),
                "ReceiveMessage" => Receive(request),
                "DeleteMessage" => Delete(request),
                "ChangeMessageVisibility" => ChangeVisibility(request),
                "GetQueueAttributes" => Attributes(request),
                _ => throw new SqsError("InvalidAction", $"The local SQS endpoint does not implement {operation}."),
            };
            return new ServiceResponse(200, "application/x-amz-json-1.0", Encoding.UTF8.GetBytes(result.ToJsonString()), ServiceResponse.NoHeaders);
        }
        catch (SqsError error)
        {
            return Error(400, error.Code, error.Message);
        }
    }

    private JsonObject Send(JsonObject request)
    {
        var queue = QueueByUrl(Required(request, "QueueUrl")).Queue;
        var body = Required(request, "MessageBody");
        if (request["MessageAttributes"] is JsonObject { Count: > 0 } || request["MessageSystemAttributes"] is JsonObject { Count: > 0 })
        {
            throw new SqsError("InvalidParameterValue", "Message attributes are not supported by the local SQS endpoint; put what you need in the body.");
        }

        // SQS's limit, https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
        if (Encoding.UTF8.GetByteCount(body) > 256 * 1024)
        {
            throw new SqsError("InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.");
        }

        var message = new LocalSqsMessage(Guid.NewGuid().ToString(), body, DateTimeOffset.UtcNow);
        queue.Add(message);
        return new JsonObject { ["MessageId"] = message.MessageId, ["MD5OfMessageBody"] = Md5(body) };
    }

    private JsonObject Receive(JsonObject request)
    {
        var queue = QueueByUrl(Required(request, "QueueUrl")).Queue;
        var max = request["MaxNumberOfMessages"]?.GetValue<int>() ?? 1;
        if (max is < 1 or > 10)
        {
            throw new SqsError("InvalidParameterValue", $"Value {max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.");
        }

        var visibility = TimeSpan.FromSeconds(request["VisibilityTimeout"]?.GetValue<int>() ?? 30);
        var received = queue.Receive(max, visibility);
        return new JsonObject
        {
            ["Messages"] = new JsonArray([.. received.Select(entry => (JsonNode)new JsonObject
            {
                ["MessageId"] = entry.Message.MessageId,
                ["ReceiptHandle"] = entry.ReceiptHandle,
                ["MD5OfBody"] = Md5(entry.Message.Body),
                ["Body"] = entry.Message.Body,
            })]),
        };
    }

    private JsonObject Delete(JsonObject request)
    {
        var queue = QueueByUrl(Required(request, "QueueUrl")).Queue;
        if (!queue.Delete(Required(request, "ReceiptHandle")))
        {
            throw new SqsError("ReceiptHandleIsInvalid", "The input receipt handle is invalid.");
        }

        return [];
    }

    private JsonObject ChangeVisibility(JsonObject request)
    {
        var queue = QueueByUrl(Required(request, "QueueUrl")).Queue;
        var seconds = request["VisibilityTimeout"]?.GetValue<int>()
            ?? throw new SqsError("MissingParameter", "The request must contain the parameter VisibilityTimeout.");
        if (seconds is < 0 or > 43_200)
        {
            throw new SqsError("InvalidParameterValue", $"Value {seconds} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.");
        }

        return queue.ChangeVisibility(Required(request, "ReceiptHandle"), TimeSpan.FromSeconds(seconds)) switch
        {
            true => [],
            false => throw new SqsError("MessageNotInflight", "The message referred to isn't in flight."),
            null => throw new SqsError("ReceiptHandleIsInvalid", "The input receipt handle is invalid."),
        };
    }

    private JsonObject Attributes(JsonObject request)
    {
        var (name, queue) = QueueByUrl(Required(request, "QueueUrl"));
        var (visible, inFlight) = queue.Counts();
        var all = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ApproximateNumberOfMessages"] = visible.ToString(CultureInfo.InvariantCulture),
            ["ApproximateNumberOfMessagesNotVisible"] = inFlight.ToString(CultureInfo.InvariantCulture),
            ["ApproximateNumberOfMessagesDelayed"] = "0",
            ["QueueArn"] = $"arn:aws:sqs:us-east-1:{LocalAwsServer.AccountId}:{name}",
        };
        var wanted = request["AttributeNames"] is JsonArray names ? names.Select(item => (string?)item ?? string.Empty).ToList() : ["All"];
        var selected = wanted.Contains("All") ? all : all.Where(entry => wanted.Contains(entry.Key)).ToDictionary();
        var attributes = new JsonObject();
        foreach (var (key, value) in selected)
        {
            attributes[key] = value;
        }

        return new JsonObject { ["Attributes"] = attributes };
    }

    private (string Name, Queue Queue) QueueByUrl(string url)
    {
        var name = url.TrimEnd('/').Split('/')[^1];
        return _queues.TryGetValue(name, out var queue)
            ? (name, queue)
            : throw new SqsError("QueueDoesNotExist", $"The specified queue does not exist: {url}");
    }

    private (string Url, Queue Queue) QueueByName(string name) =>
        _queues.TryGetValue(name, out var queue) ? (UrlOf(name), queue) : throw new SqsError("QueueDoesNotExist", $"The specified queue does not exist: {name}");

    private string UrlOf(string name) => new Uri(_endpoint(), $"{LocalAwsServer.AccountId}/{name}").ToString();

    private static string Required(JsonObject request, string name) =>
        request[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0
            ? text
            : throw new SqsError("MissingParameter", $"The request must contain the parameter {name}.");

    // SQS defines MD5OfMessageBody, and the SDK checks it; it is a protocol value, not security.
#pragma warning disable CA5351
    private static string Md5(string body) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(body)));
#pragma warning restore CA5351

    private static ServiceResponse Error(int status, string code, string message)
    {
        var body = new JsonObject { ["__type"] = "com.amazonaws.sqs#" + code, ["message"] = message };
        var headers = new Dictionary<string, string> { ["x-amzn-query-error"] = $"AWS.SimpleQueueService.{code};Sender" };
        return new ServiceResponse(status, "application/x-amz-json-1.0", Encoding.UTF8.GetBytes(body.ToJsonString()), headers, code);
    }

    private sealed class Queue
    {
        private readonly Lock _lock = new();
        private readonly List<Entry> _entries = [];

        public void Add(LocalSqsMessage message)
        {
            lock (_lock)
            {
                _entries.Add(new Entry(message));
            }
        }

        public IReadOnlyList<LocalSqsMessage> All()
        {
            lock (_lock)
            {
                return [.. _entries.Select(entry => entry.Message)];
            }
        }

        public List<(LocalSqsMessage Message, string ReceiptHandle)> Receive(int max, TimeSpan visibility)
        {
            lock (_lock)
            {
                var now = DateTimeOffset.UtcNow;
                var received = new List<(LocalSqsMessage, string)>();
                foreach (var entry in _entries.Where(entry => entry.InvisibleUntil <= now).Take(max))
                {
                    entry.InvisibleUntil = now + visibility;
                    entry.ReceiptHandle = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
                    received.Add((entry.Message, entry.ReceiptHandle));
                }

                return received;
            }
        }

        public bool Delete(string receiptHandle)
        {
            lock (_lock)
            {
                return _entries.RemoveAll(entry => entry.ReceiptHandle == receiptHandle) > 0;
            }
        }

        /// <summary>True when changed; false when the message is visible again (not in flight); null for an unknown handle.</summary>
        public bool? ChangeVisibility(string receiptHandle, TimeSpan visibility)
        {
            lock (_lock)
            {
                var entry = _entries.FirstOrDefault(e => e.ReceiptHandle == receiptHandle);
                var now = DateTimeOffset.UtcNow;
                if (entry is null)
                {
                    return null;
                }

                if (entry.InvisibleUntil <= now)
                {
                    return false;
                }

                entry.InvisibleUntil = now + visibility;
                return true;
            }
        }

        public (int Visible, int InFlight) Counts()
        {
            lock (_lock)
            {
                var now = DateTimeOffset.UtcNow;
                var visible = _entries.Count(entry => entry.InvisibleUntil <= now);
                return (visible, _entries.Count - visible);
            }
        }

        private sealed class Entry(LocalSqsMessage message)
        {
            public LocalSqsMessage Message { get; } = message;

            public DateTimeOffset InvisibleUntil { get; set; } = DateTimeOffset.MinValue;

            public string? ReceiptHandle { get; set; }
        }
    }
}

/// <summary>An SQS error to answer with.</summary>
internal sealed class SqsError : Exception
{
    public SqsError()
    {
        Code = "InternalFailure";
    }

    public SqsError(string message)
        : base(message)
    {
        Code = "InvalidParameterValue";
    }

    public SqsError(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = "InvalidParameterValue";
    }

    public SqsError(string code, string message)
        : base(message)
    {
        Code = code;
    }

    public string Code { get; }
}
