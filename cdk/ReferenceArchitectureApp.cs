using Amazon.CDK;
//#if (FargateModel)
using ReferenceArchitectures.Cdk.FargateModel;
//#endif
//#if (GpuInference)
using ReferenceArchitectures.Cdk.GpuInference;
//#endif
//#if (HybridPipeline)
using ReferenceArchitectures.Cdk.HybridPipeline;
//#endif
//#if (LambdaBedrock)
using ReferenceArchitectures.Cdk.LambdaBedrock;
//#endif

namespace ReferenceArchitectures.Cdk;
//#if (RepositoryOnly)

// The "if (LambdaBedrock)"-style comments mark what belongs to one pattern: `dotnet new` keeps only the chosen pattern's
// lines when it writes a project from templates/ (see README, "Start a project from one pattern").
//#endif

/// <summary>The stacks of the app, as <c>cdk synth</c> builds them.</summary>
public sealed class ReferenceArchitectureStacks
{
    //#if (LambdaBedrock)
    public required LambdaBedrockStack LambdaBedrock { get; init; }

    //#endif
    //#if (FargateModel)
    public required FargateModelStack FargateModel { get; init; }

    //#endif
    //#if (GpuInference)
    public required GpuInferenceStack GpuInference { get; init; }

    //#endif
    //#if (HybridPipeline)
    public required HybridPipelineStack HybridPipeline { get; init; }

    //#endif
    /// <summary>Every stack, in the order the app creates them.</summary>
    public required IReadOnlyList<Stack> All { get; init; }
}

/// <summary>Builds every pattern's stack from the app's context. Program.cs and the tests both call this.</summary>
public static class ReferenceArchitectureApp
{
    /// <summary>
    /// The app's name. CloudFormation stack names start with it, so that two projects made from these patterns can be
    /// deployed to one account; <c>dotnet new</c> replaces it, like every namespace, with the name given to the project.
    /// </summary>
    public const string AppName = "ReferenceArchitectures";

    //#if (LambdaBedrock)
    public const string LambdaBedrockStackId = LambdaBedrockStack.ConstructId;
    //#endif
    //#if (FargateModel)
    public const string FargateModelStackId = FargateModelStack.ConstructId;
    //#endif
    //#if (GpuInference)
    public const string GpuInferenceStackId = GpuInferenceStack.ConstructId;
    //#endif
    //#if (HybridPipeline)
    public const string HybridPipelineStackId = HybridPipelineStack.ConstructId;
    //#endif

    /// <param name="app">The app whose context holds the settings.</param>
    /// <param name="environment">Account and Region to pin the stacks to; null synthesizes environment-agnostic stacks.</param>
    public static ReferenceArchitectureStacks Build(App app, IEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        //#if (LambdaBedrock)
        var lambdaBedrock = new LambdaBedrockStack(app, LambdaBedrockStackId, Named(LambdaBedrockSettings.FromContext(app.Node, environment), "LambdaBedrock"));
        //#endif
        //#if (FargateModel)
        var fargateModel = new FargateModelStack(app, FargateModelStackId, Named(FargateModelSettings.FromContext(app.Node, environment), "FargateModel"));
        //#endif
        //#if (GpuInference)
        var gpuInference = new GpuInferenceStack(app, GpuInferenceStackId, Named(GpuInferenceSettings.FromContext(app.Node, environment), "GpuInference"));
        //#endif
        //#if (HybridPipeline)
        var hybridPipeline = new HybridPipelineStack(app, HybridPipelineStackId, Named(HybridPipelineSettings.FromContext(app.Node, environment), "HybridPipeline"));
        //#endif
        return new ReferenceArchitectureStacks
        {
            //#if (LambdaBedrock)
            LambdaBedrock = lambdaBedrock,
            //#endif
            //#if (FargateModel)
            FargateModel = fargateModel,
            //#endif
            //#if (GpuInference)
            GpuInference = gpuInference,
            //#endif
            //#if (HybridPipeline)
            HybridPipeline = hybridPipeline,
            //#endif
            All =
            [
                //#if (LambdaBedrock)
                lambdaBedrock,
                //#endif
                //#if (FargateModel)
                fargateModel,
                //#endif
                //#if (GpuInference)
                gpuInference,
                //#endif
                //#if (HybridPipeline)
                hybridPipeline,
                //#endif
            ],
        };
    }

    /// <summary>The CloudFormation stack name for one pattern: the app's name, then the pattern's.</summary>
    /// <exception cref="ArgumentException">The app's name has no letter to start a stack name with.</exception>
    public static string StackName(string appName, string pattern)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(appName);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);

        // Stack names allow letters, digits and hyphens, starting with a letter; project names may hold dots or underscores.
        var cleaned = new string(appName.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        if (cleaned.Length == 0 || !char.IsAsciiLetter(cleaned[0]))
        {
            throw new ArgumentException($"'{appName}' cannot start a CloudFormation stack name, which must begin with a letter.", nameof(appName));
        }

        var name = $"{cleaned}-{pattern}";
        const int maxLength = 128;
        return name.Length <= maxLength ? name : throw new ArgumentException($"'{name}' is longer than a stack name's {maxLength} characters.", nameof(appName));
    }

    private static T Named<T>(T props, string pattern)
        where T : StackProps
    {
        props.StackName = StackName(AppName, pattern);
        return props;
    }
}
