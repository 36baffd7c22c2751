using Microsoft.Extensions.AI;

namespace ReferenceArchitectures.Embeddings.Tests;

[Collection(SharedModel.Name)]
public sealed class EmbeddingEngineTests(ModelFixture model)
{
    [Fact]
    public void The_model_declares_384_dimensions()
    {
        Assert.Equal(384, model.Engine.Dimensions);
        Assert.Equal("all-MiniLM-L6-v2", model.Engine.ModelName);
    }

    [Fact]
    public void Embeddings_have_unit_length()
    {
        var embeddings = model.Engine.Embed(["A man is playing a guitar.", "x"], CancellationToken.None);

        Assert.All(embeddings, e => Assert.Equal(1.0, System.Numerics.Tensors.TensorPrimitives.Norm(e.Vector), 4));
    }

    [Fact]
    public void Padding_in_a_batch_does_not_change_an_embedding()
    {
        var shortText = "A cat sits.";
        var longText = "A long sentence about a cat that sits on a warm windowsill in the afternoon sun, watching birds.";

        var alone = model.Engine.Embed([shortText], CancellationToken.None)[0].Vector;
        var padded = model.Engine.Embed([longText, shortText], CancellationToken.None)[1].Vector;

        Assert.True(ModelFixture.Cosine(alone, padded) > 0.9999f, "padding positions leaked into the mean pooling");
    }

    [Fact]
    public void A_paraphrase_is_closer_than_an_unrelated_sentence()
    {
        var e = model.Engine.Embed(["A man is playing a guitar.", "Someone plays the guitar.", "The stock market fell sharply today."], CancellationToken.None);

        Assert.True(ModelFixture.Cosine(e[0].Vector, e[1].Vector) > ModelFixture.Cosine(e[0].Vector, e[2].Vector) + 0.3f);
    }

    [Fact]
    public void Token_counts_include_the_special_tokens_and_truncation_is_reported()
    {
        var e = model.Engine.Embed(["hello world", string.Join(' ', Enumerable.Repeat("word", 500))], CancellationToken.None);

        Assert.Equal((4, false), (e[0].TokenCount, e[0].Truncated));
        Assert.Equal((256, true), (e[1].TokenCount, e[1].Truncated));
    }

    [Fact]
    public void A_cancelled_batch_is_not_run()
    {
        Assert.Throws<OperationCanceledException>(() => model.Engine.Embed(["hello"], new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task A_model_and_vocabulary_on_disk_give_the_same_embeddings()
    {
        var folder = Directory.CreateTempSubdirectory("embeddings-");
        try
        {
            var modelPath = Path.Combine(folder.FullName, "model.onnx");
            var vocabularyPath = Path.Combine(folder.FullName, "vocab.txt");
            await File.WriteAllBytesAsync(modelPath, model.Artifacts.ModelBytes!);
            await File.WriteAllTextAsync(vocabularyPath, model.Artifacts.VocabularyText);

            using var fromFiles = await EmbeddingEngine.CreateAsync(
                EmbeddingModelSource.FromFiles("minilm-from-disk", modelPath, vocabularyPath), new EmbeddingEngineOptions { IntraOpThreads = 1 }, CancellationToken.None);
            var expected = model.Engine.Embed(["Files work too."], CancellationToken.None)[0].Vector;
            var actual = fromFiles.Embed(["Files work too."], CancellationToken.None)[0].Vector;

            Assert.Equal("minilm-from-disk", fromFiles.ModelName);
            Assert.True(ModelFixture.Cosine(expected, actual) > 0.9999f);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_missing_model_file_is_named_in_the_error()
    {
        var source = EmbeddingModelSource.FromFiles("missing", "/nonexistent/model.onnx", "/nonexistent/vocab.txt");

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => EmbeddingEngine.CreateAsync(source, new EmbeddingEngineOptions(), CancellationToken.None));

        Assert.Contains("/nonexistent/model.onnx", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(EmbeddingEngineOptions.IntraOpThreads), 0)]
    [InlineData(nameof(EmbeddingEngineOptions.InterOpThreads), -1)]
    [InlineData(nameof(EmbeddingEngineOptions.MaxTokens), 1000)]
    public void Out_of_range_options_are_rejected_by_name(string setting, int value)
    {
        var options = new EmbeddingEngineOptions();
        typeof(EmbeddingEngineOptions).GetProperty(setting)!.SetValue(options, value);

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_generator_returns_embeddings_in_input_order_with_usage()
    {
        using var generator = new OnnxEmbeddingGenerator(model.Engine, maxBatchSize: 2);
        string[] texts = ["a much longer first sentence with many more words in it", "short", "medium length text", "tiny"];

        var generated = await generator.GenerateAsync(texts);

        var direct = texts.Select(t => model.Engine.Embed([t], CancellationToken.None)[0]).ToArray();
        Assert.Equal(texts.Length, generated.Count);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.True(ModelFixture.Cosine(direct[i].Vector, generated[i].Vector.ToArray()) > 0.9999f, $"embedding {i} is out of order");
        }

        Assert.Equal(direct.Sum(d => d.TokenCount), generated.Usage?.InputTokenCount);
        Assert.Equal("all-MiniLM-L6-v2", generated[0].ModelId);
    }

    [Fact]
    public async Task The_generator_flags_truncated_inputs()
    {
        using var generator = new OnnxEmbeddingGenerator(model.Engine);

        var generated = await generator.GenerateAsync(["short", string.Join(' ', Enumerable.Repeat("long", 400))]);

        Assert.Null(generated[0].AdditionalProperties);
        Assert.Equal(true, generated[1].AdditionalProperties?[OnnxEmbeddingGenerator.TruncatedProperty]);
    }

    [Fact]
    public async Task The_generator_rejects_other_dimensions()
    {
        using var generator = new OnnxEmbeddingGenerator(model.Engine);

        await Assert.ThrowsAsync<ArgumentException>(() => generator.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = 512 }));
    }

    [Fact]
    public void The_generator_describes_its_model()
    {
        using var generator = new OnnxEmbeddingGenerator(model.Engine);

        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();

        Assert.Equal(("onnxruntime", "all-MiniLM-L6-v2", 384), (metadata?.ProviderName, metadata?.DefaultModelId, metadata?.DefaultModelDimensions));
    }
}
