using Amazon.CDK;

namespace ReferenceArchitectures.Cdk;
//#if (RepositoryOnly)

// Each "if (Pattern)" block is one pattern's stack: `dotnet new` keeps only the chosen pattern's block when it writes a
// project from templates/ (see README, "Start a project from one pattern"). The stack classes are named from this
// namespace (LambdaBedrock.LambdaBedrockStack) so that each block needs no using directive of its own.
//#endif

/// <summary>Builds every pattern's stack from the app's context. Program.cs and the tests both call this.</summary>
public static class ReferenceArchitectureApp
{
    /// <summary>
    /// The app's name. CloudFormation stack names start with it, so that two projects made from these patterns can be
    /// deployed to one account; <c>dotnet new</c> replaces it, like every namespace, with the name given to the project.
    /// </summary>
    public const string AppName = "ReferenceArchitectures";

    /// <param name="app">The app whose context holds the settings.</param>
    /// <param name="environment">Account and Region to pin the stacks to; null synthesizes environment-agnostic stacks.</param>
    /// <returns>Every stack, in the order the app creates them; each one's construct id is its class's <c>ConstructId</c>.</returns>
    public static IReadOnlyList<Stack> Build(App app, IEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        var stacks = new List<Stack>();
        //#if (LambdaBedrock)
        stacks.Add(new LambdaBedrock.LambdaBedrockStack(app, LambdaBedrock.LambdaBedrockStack.ConstructId,
            Named(LambdaBedrock.LambdaBedrockSettings.FromContext(app.Node, environment), "LambdaBedrock")));
        //#endif
        //#if (FargateModel)
        stacks.Add(new FargateModel.FargateModelStack(app, FargateModel.FargateModelStack.ConstructId,
            Named(FargateModel.FargateModelSettings.FromContext(app.Node, environment), "FargateModel")));
        //#endif
        //#if (GpuInference)
        stacks.Add(new GpuInference.GpuInferenceStack(app, GpuInference.GpuInferenceStack.ConstructId,
            Named(GpuInference.GpuInferenceSettings.FromContext(app.Node, environment), "GpuInference")));
        //#endif
        //#if (HybridPipeline)
        stacks.Add(new HybridPipeline.HybridPipelineStack(app, HybridPipeline.HybridPipelineStack.ConstructId,
            Named(HybridPipeline.HybridPipelineSettings.FromContext(app.Node, environment), "HybridPipeline")));
        //#endif
        //#if (LambdaModel)
        stacks.Add(new LambdaModel.LambdaModelStack(app, LambdaModel.LambdaModelStack.ConstructId,
            Named(LambdaModel.LambdaModelSettings.FromContext(app.Node, environment), "LambdaModel")));
        //#endif
        return stacks;
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
