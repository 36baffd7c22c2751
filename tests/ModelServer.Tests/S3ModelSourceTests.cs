using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReferenceArchitectures.Embeddings;
using ReferenceArchitectures.Testing.LocalAws;

namespace ReferenceArchitectures.ModelServer.Tests;

/// <summary>A local S3 endpoint with a bucket, and the built-in model's files to upload to it.</summary>
public sealed class ModelBucketFixture : IAsyncLifetime
{
    public const string Bucket = "models";

    public LocalAwsServer Aws { get; private set; } = null!;

    public byte[] ModelBytes { get; private set; } = [];

    public string Vocabulary { get; private set; } = "";

    public DirectoryInfo CacheRoot { get; } = Directory.CreateTempSubdirectory("model-cache-");

    public async Task InitializeAsync()
    {
        Aws = await LocalAwsServer.StartAsync();
        Aws.S3.CreateBucket(Bucket);
        var artifacts = await EmbeddingModelSource.AllMiniLmL6V2.LoadAsync(CancellationToken.None);
        ModelBytes = artifacts.ModelBytes!;
        Vocabulary = artifacts.VocabularyText;
    }

    public async Task DisposeAsync()
    {
        await Aws.DisposeAsync();
        CacheRoot.Delete(recursive: true);
    }

    /// <summary>Uploads files under <c>prefix/</c>.</summary>
    public void Upload(string prefix, params (string Name, byte[] Content)[] files)
    {
        foreach (var (name, content) in files)
        {
            Aws.S3.PutObject(Bucket, $"{prefix}/{name}", content);
        }
    }

    public (string, byte[]) ModelFile => (S3ModelSource.ModelFileName, ModelBytes);

    public (string, byte[]) VocabularyFile => (S3ModelSource.VocabularyFileName, Encoding.UTF8.GetBytes(Vocabulary));

    public static (string, byte[]) Checksums(params (string Name, byte[] Content)[] files) =>
        (S3ModelSource.ChecksumsFileName, Encoding.UTF8.GetBytes(string.Concat(files.Select(f => $"{Convert.ToHexStringLower(SHA256.HashData(f.Content))}  {f.Name}\n"))));

    /// <summary>Starts the server with <c>Model:Source=s3</c> on the prefix, its S3 client pointed at the local endpoint.</summary>
    public Task<RunningServer> StartServerAsync(string prefix, bool waitUntilReady = true) =>
        RunningServer.StartAsync(
            new Dictionary<string, string?>
            {
                ["Model:Source"] = "s3",
                ["Model:S3Uri"] = $"s3://{Bucket}/{prefix}/",
                ["Model:CacheDirectory"] = CacheRoot.FullName,
            },
            waitUntilReady,
            services => services.AddSingleton<IAmazonS3>(new AmazonS3Client(
                new BasicAWSCredentials("test", "test"),
                new AmazonS3Config { ServiceURL = Aws.Endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = "us-east-1" })));
}

/// <summary>The S3 model source: downloaded once at start, verified, and a missing or damaged model stops the server.</summary>
/// <remarks>Slow: each test starts a server that loads the model (about 11 CPU-seconds for the class on the 2-core build
/// machine); a project made from a template runs these in its full suite, not in its fast lane.</remarks>
[Trait("Category", "Slow")]
public sealed class S3ModelSourceTests(ModelBucketFixture bucket) : IClassFixture<ModelBucketFixture>
{
    private static async Task<float[]> EmbedAsync(RunningServer server, string text)
    {
        using var response = await server.Client.PostAsJsonAsync("/v1/embeddings", new { input = text });
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.IsSuccessStatusCode, body.ToJsonString());
        return body["data"]![0]!["embedding"]!.AsArray().Select(n => n!.GetValue<float>()).ToArray();
    }

    private async Task<Exception> StartFailureAsync(string prefix)
    {
        await using var server = await bucket.StartServerAsync(prefix, waitUntilReady: false);
        var error = await Assert.ThrowsAnyAsync<Exception>(server.WhenModelReadyAsync);
        // What an operator sees: one critical line that carries the reason.
        var critical = Assert.Single(server.Logs.AtLeast(LogLevel.Critical));
        Assert.Contains(error.Message, critical.Message, StringComparison.Ordinal);
        return error;
    }

    [Fact]
    public async Task A_verified_model_from_s3_serves_the_same_embeddings_as_the_built_in_one()
    {
        bucket.Upload("minilm", bucket.ModelFile, bucket.VocabularyFile, ModelBucketFixture.Checksums(bucket.ModelFile, bucket.VocabularyFile));
        await using var builtIn = await RunningServer.StartAsync();

        await using var fromS3 = await bucket.StartServerAsync("minilm");

        var ready = await fromS3.Client.GetFromJsonAsync<JsonObject>("/health/ready");
        Assert.Equal("minilm", (string?)ready!["model"]);
        Assert.Equal(await EmbedAsync(builtIn, "Served from S3."), await EmbedAsync(fromS3, "Served from S3."));
        Assert.Contains(fromS3.Logs.Lines, l => l.Message.Contains("SHA-256 of 2 file(s) checked", StringComparison.Ordinal));
        Assert.Equal(bucket.ModelBytes.Length, new FileInfo(Path.Combine(bucket.CacheRoot.FullName, ModelBucketFixture.Bucket, "minilm", "model.onnx")).Length);
    }

    [Fact]
    public async Task A_model_without_checksums_is_served_after_its_sizes_are_checked()
    {
        bucket.Upload("unchecked", bucket.ModelFile, bucket.VocabularyFile);

        await using var server = await bucket.StartServerAsync("unchecked");

        Assert.Equal(384, (await EmbedAsync(server, "No checksum file.")).Length);
        Assert.Contains(server.Logs.Lines, l => l.Message.Contains("no SHA256SUMS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_model_file_stops_start_up_naming_the_missing_key()
    {
        bucket.Upload("no-model", bucket.VocabularyFile);

        var error = await StartFailureAsync("no-model");

        Assert.IsType<ModelSourceException>(error);
        Assert.Contains("s3://models/no-model/model.onnx is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Corrupt_model_bytes_stop_start_up_saying_the_model_cannot_be_loaded()
    {
        var corrupt = bucket.ModelBytes[..(bucket.ModelBytes.Length / 2)];
        bucket.Upload("corrupt", (S3ModelSource.ModelFileName, corrupt), bucket.VocabularyFile);

        var error = await StartFailureAsync("corrupt");

        Assert.IsType<InvalidDataException>(error);
        Assert.Contains("ONNX Runtime cannot load the model corrupt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_that_does_not_match_its_checksum_stops_start_up()
    {
        var tampered = (S3ModelSource.ModelFileName, bucket.ModelBytes.ToArray());
        tampered.Item2[^100] ^= 0xFF;
        bucket.Upload("tampered", tampered, bucket.VocabularyFile, ModelBucketFixture.Checksums(bucket.ModelFile, bucket.VocabularyFile));

        var error = await StartFailureAsync("tampered");

        Assert.IsType<ModelSourceException>(error);
        Assert.Contains("s3://models/tampered/model.onnx does not match its checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_single_model_checksum_file_is_checked_too()
    {
        bucket.Upload("single-checksum", bucket.ModelFile, bucket.VocabularyFile, (S3ModelSource.ModelChecksumFileName, Encoding.UTF8.GetBytes(new string('0', 64) + "  model.onnx\n")));

        var error = await StartFailureAsync("single-checksum");

        Assert.Contains("does not match its checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checksum_file_without_the_model_stops_start_up()
    {
        bucket.Upload("partial-sums", bucket.ModelFile, bucket.VocabularyFile, ModelBucketFixture.Checksums(bucket.VocabularyFile));

        var error = await StartFailureAsync("partial-sums");

        Assert.Contains("SHA256SUMS has no line for model.onnx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_vocabulary_without_the_cls_token_stops_start_up()
    {
        var lines = bucket.Vocabulary.Split('\n').Select(line => line.TrimEnd('\r') == "[CLS]" ? "[NOT-CLS]" : line);
        var vocabulary = Encoding.UTF8.GetBytes(string.Join('\n', lines));
        bucket.Upload("no-cls", bucket.ModelFile, (S3ModelSource.VocabularyFileName, vocabulary));

        var error = await StartFailureAsync("no-cls");

        Assert.IsType<ModelSourceException>(error);
        Assert.Contains("s3://models/no-cls/vocab.txt is not usable", error.Message, StringComparison.Ordinal);
        Assert.Contains("[CLS]", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-hash  model.onnx\n", "line 1")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000  ../model.onnx\n", "plain names")]
    public void A_malformed_checksum_file_is_rejected_with_its_line(string text, string expected)
    {
        var error = Assert.Throws<ModelSourceException>(() => S3ModelSource.ParseChecksums(text, "SHA256SUMS"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
