using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;

namespace ReferenceArchitectures.ModelServer.Tests;

public sealed class OverloadAndSettingsTests
{
    [Fact]
    public async Task A_full_queue_is_answered_503_with_retry_after()
    {
        await using var server = await RunningServer.StartAsync(new Dictionary<string, string?>
        {
            ["ModelServer:QueueCapacity"] = "2",
            ["ModelServer:MaxInputsPerRequest"] = "2",
            ["ModelServer:MaxBatchSize"] = "1",
            ["ModelServer:RetryAfterSeconds"] = "3",
        });
        var longText = string.Join(' ', Enumerable.Repeat("overload", 250));

        var responses = await Task.WhenAll(Enumerable.Range(0, 48).Select(_ =>
            server.Client.PostAsJsonAsync("/v1/embeddings", new { input = new[] { longText, longText } })));

        var rejected = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToArray();
        Assert.NotEmpty(rejected);
        Assert.All(rejected, r => Assert.Equal(TimeSpan.FromSeconds(3), r.Headers.RetryAfter?.Delta));
        Assert.All(rejected, r => Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType));
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"unexpected {(int)r.StatusCode}"));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Theory]
    [InlineData("MaxBatchSize", "0")]
    [InlineData("QueueCapacity", "10")]
    [InlineData("MaxBatchWait", "00:00:05")]
    [InlineData("RetryAfterSeconds", "0")]
    [InlineData("MaxRequestBodyBytes", "10")]
    public async Task A_bad_setting_stops_start_up_and_is_named(string setting, string value)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            RunningServer.StartAsync(new Dictionary<string, string?> { [$"ModelServer:{setting}"] = value }, waitUntilReady: false));

        Assert.Contains($"ModelServer:{setting}", error.Message, StringComparison.Ordinal);
    }
}
