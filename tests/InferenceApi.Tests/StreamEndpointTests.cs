using ReferenceArchitectures.Testing.LocalBedrock;

namespace ReferenceArchitectures.InferenceApi.Tests;

/// <summary>The <c>converse-stream</c> handler behind the Function URL, run as a process against local endpoints.</summary>
[Collection(StartedFunctions.Name)]
public sealed class StreamEndpointTests(FunctionFixture function)
{
    [Fact]
    public async Task A_streamed_chat_sends_one_event_per_text_delta_then_a_final_event_with_usage()
    {
        const string reply = "Streaming tokens arrive one delta at a time.";
        function.Bedrock.Enqueue(Behaviour.Text(reply));

        var answer = await function.StreamAsync(HttpEventBuilder.Chat("stream please"));

        answer.AssertStatus(200);
        Assert.StartsWith("text/event-stream", answer.Header("content-type"), StringComparison.Ordinal);
        var events = answer.Events();
        var deltas = events.TakeWhile(e => e.Name == "delta").ToList();
        Assert.True(deltas.Count > 1, $"expected several deltas, got {deltas.Count}");
        Assert.Equal(reply, string.Concat(deltas.Select(d => d.Data.GetProperty("text").GetString())));
        var (name, data) = events[^1];
        Assert.Equal("done", name);
        Assert.Equal(deltas.Count + 1, events.Count);
        Assert.Equal("stop", data.GetProperty("finishReason").GetString());
        Assert.True(data.GetProperty("usage").GetProperty("outputTokens").GetInt64() > 0);
        Assert.Equal("converse-stream", function.Bedrock.Requests[^1].Operation);
    }

    [Fact]
    public async Task A_failure_before_the_first_token_keeps_its_own_status_code()
    {
        function.Bedrock.Enqueue(Behaviour.AccessDenied());

        var answer = await function.StreamAsync(HttpEventBuilder.Chat("hello"));

        answer.AssertStatus(502);
        Assert.Equal("application/problem+json", answer.Header("content-type"));
        Assert.Contains("enable access", answer.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // Lambda records this invocation as a success as well (the problem document is the function's response).
        var line = await EmfLineAsync(answer.Json.GetProperty("requestId").GetString()!);
        Assert.Equal(1, line.GetProperty("StreamFailures").GetInt32());
    }

    [Fact]
    public async Task Throttling_in_the_stream_after_tokens_were_sent_ends_the_stream_with_an_error_event()
    {
        function.Bedrock.Enqueue(Behaviour.StreamException("throttlingException", afterEvents: 4,
            reply: Behaviour.Text("several words so that some deltas go out first")));

        var answer = await function.StreamAsync(HttpEventBuilder.Chat("hello"));

        answer.AssertStatus(200);
        var events = answer.Events();
        Assert.Contains(events, e => e.Name == "delta");
        var (name, data) = events[^1];
        Assert.Equal("error", name);
        Assert.Equal(429, data.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_failure_after_the_first_token_is_counted_in_the_metric_the_templates_alarm_watches()
    {
        // Lambda records such an invocation as a success, so only this metric can raise an alarm on it.
        function.Bedrock.Enqueue(Behaviour.StreamException("modelStreamErrorException", afterEvents: 3,
            reply: Behaviour.Text("a few words before the failure")));

        var answer = await function.StreamAsync(HttpEventBuilder.Chat("hello"));

        Assert.Equal("error", answer.Events()[^1].Name);
        var requestId = answer.Events()[^1].Data.GetProperty("requestId").GetString();
        var line = await EmfLineAsync(requestId!);
        // Embedded Metric Format: the "_aws" member declares which top-level members are metrics and dimensions
        // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
        var directive = line.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0];
        var dimension = directive.GetProperty("Dimensions")[0][0].GetString()!;
        var metric = directive.GetProperty("Metrics")[0].GetProperty("Name").GetString()!;
        Assert.Equal("Count", directive.GetProperty("Metrics")[0].GetProperty("Unit").GetString());
        Assert.True(line.GetProperty("_aws").GetProperty("Timestamp").GetInt64() > 0);
        Assert.Equal(1, line.GetProperty(metric).GetInt32());
        // CloudWatch Logs publishes the metric under this namespace, name and dimension value; the alarm must name the same.
        var written = new AlarmMetric(directive.GetProperty("Namespace").GetString()!, metric,
            new Dictionary<string, string> { [dimension] = line.GetProperty(dimension).GetString()! });
        var watched = Assert.Single(LambdaBedrockTemplate.Default.CustomMetricAlarms(function.ConverseStream.Function));
        Assert.Equal(watched.Namespace, written.Namespace);
        Assert.Equal(watched.MetricName, written.MetricName);
        Assert.Equal(watched.Dimensions, written.Dimensions);
    }

    [Fact]
    public async Task A_stream_whose_output_Bedrock_could_not_read_ends_with_an_error_event_not_done()
    {
        function.Bedrock.Enqueue(Behaviour.Text("{broken tool input", "malformed_tool_use"));

        var answer = await function.StreamAsync(HttpEventBuilder.Chat("hello"));

        var (name, data) = answer.Events()[^1];
        Assert.Equal("error", name);
        Assert.Equal(502, data.GetProperty("status").GetInt32());
        Assert.Contains("malformed_tool_use", data.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private async Task<System.Text.Json.JsonElement> EmfLineAsync(string requestId)
    {
        // The process writes its log line just before the stream ends; give stdout a moment to be read.
        for (var attempt = 0; attempt < 50; attempt++)
        {
            foreach (var text in function.ConverseStream.StandardOutput)
            {
                if (text.Contains("\"_aws\"", StringComparison.Ordinal) && text.Contains(requestId, StringComparison.Ordinal))
                {
                    return System.Text.Json.JsonDocument.Parse(text).RootElement;
                }
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"no EMF line for request {requestId} in:\n{string.Join('\n', function.ConverseStream.StandardOutput)}");
    }

    [Fact]
    public async Task Throttling_in_the_stream_before_any_token_is_retried()
    {
        function.Bedrock.Enqueue(Behaviour.StreamException("throttlingException", afterEvents: 1));
        function.Bedrock.Enqueue(Behaviour.Text("second try works"));

        var answer = await function.StreamAsync(HttpEventBuilder.Chat("hello"));

        answer.AssertStatus(200);
        var events = answer.Events();
        Assert.Equal("done", events[^1].Name);
        Assert.Equal("second try works", string.Concat(events.Where(e => e.Name == "delta").Select(e => e.Data.GetProperty("text").GetString())));
    }

    [Fact]
    public async Task A_bad_request_is_answered_400_without_calling_the_model()
    {
        var before = function.Bedrock.Requests.Count;

        var answer = await function.StreamAsync(HttpEventBuilder.Post("""{"messages":[]}"""));

        answer.AssertStatus(400);
        Assert.Equal("application/problem+json", answer.Header("content-type"));
        Assert.Equal(before, function.Bedrock.Requests.Count);
    }

    [Fact]
    public async Task A_method_other_than_POST_is_answered_405()
    {
        var answer = await function.StreamAsync(HttpEventBuilder.Post(HttpEventBuilder.ChatBody("hi"), method: "GET"));

        answer.AssertStatus(405);
    }
}
