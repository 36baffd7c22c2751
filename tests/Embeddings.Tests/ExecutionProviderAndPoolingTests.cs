namespace ReferenceArchitectures.Embeddings.Tests;

[Collection(SharedModel.Name)]
public sealed class ExecutionProviderAndPoolingTests(ModelFixture model)
{
    [Fact]
    public async Task Cuda_with_the_cpu_build_of_onnx_runtime_names_the_build_option()
    {
        var options = new EmbeddingEngineOptions { ExecutionProvider = ExecutionProvider.Cuda };

        var error = await Assert.ThrowsAsync<ExecutionProviderUnavailableException>(() =>
            EmbeddingEngine.CreateAsync(EmbeddingModelSource.AllMiniLmL6V2, options, CancellationToken.None));

        Assert.Equal(ExecutionProvider.Cuda, error.Provider);
        Assert.Contains("-p:OnnxRuntimeFlavor=Cuda", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_model_file_is_reported_as_invalid_data_naming_the_file()
    {
        var folder = Directory.CreateTempSubdirectory("embeddings-");
        try
        {
            var modelPath = Path.Combine(folder.FullName, "model.onnx");
            var vocabularyPath = Path.Combine(folder.FullName, "vocab.txt");
            await File.WriteAllBytesAsync(modelPath, model.Artifacts.ModelBytes![..4096]);
            await File.WriteAllTextAsync(vocabularyPath, model.Artifacts.VocabularyText);

            var error = await Assert.ThrowsAsync<InvalidDataException>(() => EmbeddingEngine.CreateAsync(
                EmbeddingModelSource.FromFiles("damaged", modelPath, vocabularyPath), new EmbeddingEngineOptions { IntraOpThreads = 1 }, CancellationToken.None));

            Assert.Contains(modelPath, error.Message, StringComparison.Ordinal);
            Assert.Contains("ONNX Runtime cannot load the model damaged", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Cls_pooling_gives_unit_vectors_that_differ_from_mean_pooling_and_ignore_padding()
    {
        using var cls = await EmbeddingEngine.CreateAsync(
            EmbeddingModelSource.AllMiniLmL6V2, new EmbeddingEngineOptions { IntraOpThreads = 1, Pooling = Pooling.Cls }, CancellationToken.None);
        const string text = "A cat sits on the mat.";

        var alone = cls.Embed([text], CancellationToken.None)[0].Vector;
        var padded = cls.Embed(["A much longer sentence that forces padding onto the shorter one in the batch.", text], CancellationToken.None)[1].Vector;
        var mean = model.Engine.Embed([text], CancellationToken.None)[0].Vector;

        Assert.Equal(Pooling.Cls, cls.Pooling);
        Assert.Equal(1.0, System.Numerics.Tensors.TensorPrimitives.Norm(alone), 4);
        Assert.True(ModelFixture.Cosine(alone, padded) > 0.9999f, "padding changed the [CLS] vector");
        Assert.True(ModelFixture.Cosine(alone, mean) < 0.99f, "CLS pooling gave the mean-pooled vector");
    }
}
