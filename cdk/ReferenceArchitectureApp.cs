using Amazon.CDK;
using ReferenceArchitectures.Cdk.FargateModel;
using ReferenceArchitectures.Cdk.GpuInference;
using ReferenceArchitectures.Cdk.HybridPipeline;
using ReferenceArchitectures.Cdk.LambdaBedrock;

namespace ReferenceArchitectures.Cdk;

/// <summary>The stacks of the app, as <c>cdk synth</c> builds them.</summary>
public sealed record ReferenceArchitectureStacks(
    LambdaBedrockStack LambdaBedrock, FargateModelStack FargateModel, GpuInferenceStack GpuInference, HybridPipelineStack HybridPipeline)
{
    public IReadOnlyList<Stack> All => [LambdaBedrock, FargateModel, GpuInference, HybridPipeline];
}

/// <summary>Builds every pattern's stack from the app's context. Program.cs and the tests both call this.</summary>
public static class ReferenceArchitectureApp
{
    public const string LambdaBedrockStackId = "LambdaBedrockStack";
    public const string FargateModelStackId = "FargateModelStack";
    public const string GpuInferenceStackId = "GpuInferenceStack";
    public const string HybridPipelineStackId = "HybridPipelineStack";

    /// <param name="app">The app whose context holds the settings.</param>
    /// <param name="environment">Account and Region to pin the stacks to; null synthesizes environment-agnostic stacks.</param>
    public static ReferenceArchitectureStacks Build(App app, IEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        var lambdaBedrock = new LambdaBedrockStack(app, LambdaBedrockStackId, LambdaBedrockSettings.FromContext(app.Node, environment));
        var fargateModel = new FargateModelStack(app, FargateModelStackId, FargateModelSettings.FromContext(app.Node, environment));
        var gpuInference = new GpuInferenceStack(app, GpuInferenceStackId, GpuInferenceSettings.FromContext(app.Node, environment));
        var hybridPipeline = new HybridPipelineStack(app, HybridPipelineStackId, HybridPipelineSettings.FromContext(app.Node, environment));
        return new ReferenceArchitectureStacks(lambdaBedrock, fargateModel, gpuInference, hybridPipeline);
    }
}
