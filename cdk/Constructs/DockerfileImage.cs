using Amazon.CDK.AWS.Ecr.Assets;
using Amazon.CDK.AWS.ECS;

namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>
/// A container image the CDK builds at deploy time from one of the repository's Dockerfiles (the model server's,
/// the batch worker's). The build context is the repository root, because the containers use the shared libraries,
/// but only what the Dockerfile's own <c>.dockerignore</c> lets through is sent to Docker (and copied into cdk.out).
/// </summary>
public static class DockerfileImage
{
    public const string ModelServerCpuDockerfile = "containers/ModelServer/Dockerfile";
    public const string ModelServerGpuDockerfile = "containers/ModelServer/Dockerfile.gpu";

    /// <summary>
    /// The exclusions for <paramref name="dockerfile"/>, from its <c>.dockerignore</c> (the file BuildKit reads for a
    /// Dockerfile of that name) so that <c>docker build</c> and <c>cdk deploy</c> send the same context.
    /// </summary>
    /// <remarks>
    /// Docker reads "exclude everything, then re-include lib/Embeddings" by looking inside excluded folders; the
    /// CDK's asset copy does not descend into a folder that a pattern excludes, so it would stage an empty lib/.
    /// The re-included paths are therefore turned into explicit exclusions of everything beside them, level by
    /// level, which both read the same way.
    /// </remarks>
    public static IReadOnlyList<string> BuildContextExclusions(string dockerfile)
    {
        // Without its ignore file the whole repository (node_modules, cdk.out, .git) would become the context.
        var ignoreFile = RepositoryLayout.PathFromRoot(dockerfile + ".dockerignore");
        if (!File.Exists(ignoreFile))
        {
            throw new FileNotFoundException($"{dockerfile}.dockerignore is missing: it limits the build context the image is built from.", ignoreFile);
        }

        var lines = File.ReadAllLines(ignoreFile).Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#')).ToList();

        var kept = lines.Where(line => line.StartsWith('!'))
            .Select(line => line.TrimStart('!').TrimEnd('*').TrimEnd('/'))
            .ToList();
        var others = lines.Where(line => !line.StartsWith('!') && line is not ("**" or "*" or "**/*"));
        return [.. ExcludeAllBut(kept, string.Empty), .. others];
    }

    private static IEnumerable<string> ExcludeAllBut(IReadOnlyList<string> kept, string folder)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(RepositoryLayout.PathFromRoot(folder.Length == 0 ? "." : folder)).Order(StringComparer.Ordinal))
        {
            var path = (folder.Length == 0 ? string.Empty : folder + "/") + Path.GetFileName(entry);
            if (kept.Contains(path, StringComparer.Ordinal))
            {
                continue;
            }

            if (kept.Any(keep => keep.StartsWith(path + "/", StringComparison.Ordinal)))
            {
                foreach (var exclusion in ExcludeAllBut(kept, path))
                {
                    yield return exclusion;
                }

                continue;
            }

            yield return path;
        }
    }

    /// <summary>
    /// Records why the task's execution role may call <c>ecr:GetAuthorizationToken</c> on every resource, which the CDK
    /// grants when the image comes from an ECR repository.
    /// </summary>
    public static void AcknowledgeRegistryLogin(TaskDefinition taskDefinition)
    {
        ArgumentNullException.ThrowIfNull(taskDefinition);
        if (taskDefinition.ExecutionRole?.Node.TryFindChild("DefaultPolicy")?.Node.TryFindChild("Resource") is { } policy)
        {
            NagAcknowledgements.Acknowledge(policy, "AwsSolutions-IAM5", NagReasons.RegistryLogin, "Resource::*");
        }
    }

    /// <summary>The image from <paramref name="dockerfile"/> (relative to the repository root) for <paramref name="platform"/>.</summary>
    /// <exception cref="FileNotFoundException">The Dockerfile is not in this clone.</exception>
    public static ContainerImage FromDockerfile(string dockerfile, Platform_ platform)
    {
        var path = RepositoryLayout.PathFromRoot(dockerfile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The Dockerfile {dockerfile} is missing from {RepositoryLayout.Root}; the stack builds its image from it. Pass an image in the stack's props to deploy another one.",
                path);
        }

        return ContainerImage.FromAsset(RepositoryLayout.Root, new AssetImageProps
        {
            File = dockerfile,
            Exclude = [.. BuildContextExclusions(dockerfile)],
            IgnoreMode = Amazon.CDK.IgnoreMode.DOCKER,
            Platform = platform,
        });
    }
}
