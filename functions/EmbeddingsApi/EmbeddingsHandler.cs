using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ReferenceArchitectures.Embeddings;
using ReferenceArchitectures.Embeddings.Api;
using ReferenceArchitectures.LambdaRuntime;

namespace ReferenceArchitectures.Functions.EmbeddingsApi;

/// <summary>
/// The embeddings API in a Lambda function: <c>POST /v1/embeddings</c> and <c>POST /v1/similarity</c> from the HTTP
/// API (payload format 2.0), with the contracts, rules and problem documents of the model server
/// (lib/Embeddings/Api). One invocation is one request; Lambda runs one invocation per execution environment at a
/// time, so there is nothing to batch across requests: a request's own texts run in batches, shortest first.
/// </summary>
public sealed class EmbeddingsHandler(EmbeddingEngine engine, EmbeddingsFunctionSettings settings)
{
    public const string HandlerName = EmbeddingsFunctionContract.Handler;

    /// <summary>
    /// The most a synchronous invocation may return: "Invocation payload (request and response): 6 MB each for request
    /// and response (synchronous)" on Lambda's quotas page (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
    /// The page does not say which megabyte; Lambda's own messages do. It refuses a request over 6,291,456 bytes,
    /// 6 × 1024 × 1024 ("Request must be smaller than 6291456 bytes for the InvokeFunction operation"), and a response
    /// over 6,291,556 ("Response payload size exceeded maximum allowed payload size (6291556 bytes)"), both quoted in
    /// https://zaccharles.medium.com/deep-dive-lambdas-response-payload-size-limit-8aedba9530ed and its part 2; the
    /// response figure also in https://github.com/DataBiosphere/azul/issues/8258. The stricter 6 × 1024 × 1024 is used,
    /// as by the local Runtime API the tests run on (tests/LocalRuntimeApi).
    /// </summary>
    public const int MaxResponsePayloadBytes = 6 * 1024 * 1024;

    private static readonly Dictionary<string, string> JsonHeaders = new() { ["content-type"] = "application/json" };

    public Task<ReadOnlyMemory<byte>> HandleAsync(ReadOnlyMemory<byte> payload, LambdaContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        HttpResponseEvent answer;
        try
        {
            answer = Answer(payload, context);
        }
        // The deadline can stop the model mid-run too, and ONNX Runtime then throws its own exception (RunOptions.Terminate):
        // any failure once the deadline has passed is the deadline's.
        catch (Exception) when (context.CancellationToken.IsCancellationRequested)
        {
            context.Logger.Log(LambdaLogLevel.Error, "The invocation's deadline came before the model finished; answering 503.");
            answer = Problem(new ApiProblem(503, "Service unavailable", "The request took longer than the function's timeout; send fewer or shorter texts."), context);
        }
#pragma warning disable CA1031 // Whatever fails is answered 500 without details and logged with the request id.
        catch (Exception error) when (error is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            context.Logger.Log(LambdaLogLevel.Error, "The embeddings request failed; answering 500.", error);
            answer = Problem(new ApiProblem(500, "Internal error", "The function failed to process the request; the error is logged with this trace id."), context);
        }

        // The limit is on the whole payload, the HTTP API's response event around the body. Over it, Lambda would refuse
        // the answer and the HTTP API give the caller a bare 5xx; a problem says what happened and what to do instead.
        var bytes = JsonSerializer.SerializeToUtf8Bytes(answer, EmbeddingsFunctionJsonContext.Default.HttpResponseEvent);
        if (bytes.Length > MaxResponsePayloadBytes)
        {
            context.Logger.Log(LambdaLogLevel.Warning, string.Create(CultureInfo.InvariantCulture,
                $"The answer is {bytes.Length} bytes, over Lambda's {MaxResponsePayloadBytes}-byte response limit; answering 413."));
            bytes = JsonSerializer.SerializeToUtf8Bytes(Problem(ResponseTooLarge(bytes.Length), context), EmbeddingsFunctionJsonContext.Default.HttpResponseEvent);
        }

        return Task.FromResult<ReadOnlyMemory<byte>>(bytes);
    }

    /// <summary>
    /// 413 as for too many inputs (<see cref="EmbeddingsApiRules"/>): the request asks for more than one answer can carry.
    /// Base64 vectors are little-endian float32 bytes, 2,048 characters for 384 floats, where JSON numbers take about
    /// 12 bytes a float: about half the size, so that even the most texts the stack allows (2,048) fit as base64.
    /// </summary>
    private static ApiProblem ResponseTooLarge(int size) => new(413, "Response too large",
        string.Create(CultureInfo.InvariantCulture,
            $"The answer would have been {size:N0} bytes; a Lambda function can return at most {MaxResponsePayloadBytes:N0} bytes (6 MB). Send fewer texts per request, or ask for encoding_format \"base64\", whose vectors take about half the bytes of JSON numbers."),
        new Dictionary<string, object> { ["limit"] = nameof(MaxResponsePayloadBytes), ["max"] = MaxResponsePayloadBytes });

    private HttpResponseEvent Answer(ReadOnlyMemory<byte> payload, LambdaContext context)
    {
        HttpRequestEvent? request;
        try
        {
            request = JsonSerializer.Deserialize(payload.Span, EmbeddingsFunctionJsonContext.Default.HttpRequestEvent);
        }
        catch (JsonException)
        {
            request = null;
        }

        if (request?.RequestContext?.Http is not { } http)
        {
            return Problem(ApiProblem.Invalid("The invocation payload is not an HTTP API (payload format 2.0) event."), context);
        }

        var endpoint = http.Path switch
        {
            "/v1/embeddings" => Endpoint.Embeddings,
            "/v1/similarity" => Endpoint.Similarity,
            _ => (Endpoint?)null,
        };
        if (endpoint is null)
        {
            return Problem(new ApiProblem(404, "Not found", $"There is no endpoint at {http.Path}; the API has POST /v1/embeddings and POST /v1/similarity."), context);
        }

        if (!string.Equals(http.Method, "POST", StringComparison.OrdinalIgnoreCase))
        {
            var refused = Problem(new ApiProblem(405, "Method not allowed", $"{http.Path} takes POST, not {http.Method}."), context);
            refused.Headers["allow"] = "POST";
            return refused;
        }

        if (!IsJson(request.Headers))
        {
            return Problem(EmbeddingsApiRules.NotJson, context);
        }

        if (!TryDecodeBody(request, out var body))
        {
            return Problem(ApiProblem.Invalid("The request body is marked base64-encoded but is not valid base64."), context);
        }

        try
        {
            return endpoint == Endpoint.Embeddings ? Embeddings(body, context) : Similarity(body, context);
        }
        catch (JsonException error)
        {
            return Problem(EmbeddingsApiRules.FromJsonError(error), context);
        }
    }

    private HttpResponseEvent Embeddings(byte[] body, LambdaContext context)
    {
        var request = JsonSerializer.Deserialize(body, EmbeddingsApiJsonContext.Default.EmbeddingsRequest);
        if ((request is null ? EmbeddingsApiRules.NullBody : EmbeddingsApiRules.Check(request, engine, settings.Limits)) is { } refused)
        {
            return Problem(refused, context);
        }

        var embeddings = Embed(request!.Input!, context.CancellationToken);
        return Ok(JsonSerializer.Serialize(EmbeddingsApiRules.Answer(request, embeddings, engine.ModelName), EmbeddingsApiJsonContext.Default.EmbeddingsResponse));
    }

    private HttpResponseEvent Similarity(byte[] body, LambdaContext context)
    {
        var request = JsonSerializer.Deserialize(body, EmbeddingsApiJsonContext.Default.SimilarityRequest);
        if ((request is null ? EmbeddingsApiRules.NullBody : EmbeddingsApiRules.Check(request, engine, settings.Limits)) is { } refused)
        {
            return Problem(refused, context);
        }

        var embeddings = Embed(EmbeddingsApiRules.Texts(request!), context.CancellationToken);
        return Ok(JsonSerializer.Serialize(EmbeddingsApiRules.Answer(request!, embeddings, engine.ModelName), EmbeddingsApiJsonContext.Default.SimilarityResponse));
    }

    /// <summary>Runs the texts in batches of <see cref="EmbeddingsFunctionSettings.BatchSize"/>, shortest first, so that
    /// each run pads little; the embeddings come back in the texts' order.</summary>
    private TextEmbedding[] Embed(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var tokenized = new TokenizedText[texts.Count];
        for (var i = 0; i < tokenized.Length; i++)
        {
            tokenized[i] = engine.Tokenize(texts[i]);
        }

        var order = Enumerable.Range(0, tokenized.Length).OrderBy(i => tokenized[i].Length).ToArray();
        var embeddings = new TextEmbedding[texts.Count];
        for (var start = 0; start < order.Length; start += EmbeddingsFunctionSettings.BatchSize)
        {
            var batch = order.Skip(start).Take(EmbeddingsFunctionSettings.BatchSize).ToArray();
            var results = engine.Embed(batch.Select(i => tokenized[i]).ToArray(), cancellationToken);
            for (var j = 0; j < batch.Length; j++)
            {
                embeddings[batch[j]] = results[j];
            }
        }

        return embeddings;
    }

    private static bool IsJson(Dictionary<string, string>? headers)
    {
        // HTTP APIs deliver header names in lower case (payload format 2.0).
        if (headers is null || !headers.TryGetValue("content-type", out var contentType))
        {
            return false;
        }

        var mediaType = contentType.Split(';')[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    private static bool TryDecodeBody(HttpRequestEvent request, out byte[] body)
    {
        var text = request.Body ?? "";
        if (!request.IsBase64Encoded)
        {
            body = Encoding.UTF8.GetBytes(text);
            return true;
        }

        try
        {
            body = Convert.FromBase64String(text);
            return true;
        }
        catch (FormatException)
        {
            body = [];
            return false;
        }
    }

    private static HttpResponseEvent Ok(string json) => new() { StatusCode = 200, Headers = JsonHeaders, Body = json };

    private static HttpResponseEvent Problem(ApiProblem problem, LambdaContext context)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            // traceId, as the model server names it (containers/ModelServer/ProblemResponses.cs): the request id in the logs.
            problem.WriteTo(writer, [new("traceId", context.AwsRequestId)]);
        }

        return new HttpResponseEvent
        {
            StatusCode = problem.Status,
            Headers = new Dictionary<string, string> { ["content-type"] = ApiProblem.ContentType },
            Body = Encoding.UTF8.GetString(buffer.WrittenSpan),
        };
    }

    private enum Endpoint
    {
        Embeddings,
        Similarity,
    }
}

[JsonSerializable(typeof(HttpRequestEvent))]
[JsonSerializable(typeof(HttpResponseEvent))]
internal sealed partial class EmbeddingsFunctionJsonContext : JsonSerializerContext;
