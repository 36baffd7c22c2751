namespace ReferenceArchitectures.Embeddings.Tests;

/// <summary>Loads all-MiniLM-L6-v2 once for every test class in the collection.</summary>
public sealed class ModelFixture : IAsyncLifetime
{
    private EmbeddingEngine? _engine;

    public EmbeddingEngine Engine => _engine ?? throw new InvalidOperationException("The model is not loaded yet.");

    public EmbeddingModelArtifacts Artifacts { get; private set; } = null!;

    public WordPieceTokenizer Tokenizer { get; private set; } = null!;

    /// <summary>Vocabulary lines; a token's id is its line number.</summary>
    public IReadOnlyList<string> Vocabulary { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Artifacts = await EmbeddingModelSource.AllMiniLmL6V2.LoadAsync(CancellationToken.None);
        Tokenizer = WordPieceTokenizer.FromVocabulary(Artifacts.VocabularyText);
        Vocabulary = Artifacts.VocabularyText.Split('\n').Select(line => line.TrimEnd('\r')).ToArray();
        _engine = await EmbeddingEngine.CreateAsync(EmbeddingModelSource.AllMiniLmL6V2, new EmbeddingEngineOptions(), CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        _engine?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>The id of <paramref name="token"/>, looked up in vocab.txt itself.</summary>
    public int Id(string token)
    {
        var index = Vocabulary.ToList().IndexOf(token);
        Assert.True(index >= 0, $"vocab.txt has no token {token}");
        return index;
    }

    public static float Cosine(float[] a, float[] b) => System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a, b);
}

[CollectionDefinition(Name)]
public sealed class SharedModel : ICollectionFixture<ModelFixture>
{
    public const string Name = "model";
}
