using ReferenceArchitectures.Cdk.LambdaModel;
using ReferenceArchitectures.Testing.StackTemplates;

namespace ReferenceArchitectures.EmbeddingsFunction.Tests;

/// <summary>
/// The Lambda-hosted model's synthesized template as the fixture of the local runs: which function the HTTP API's two
/// routes invoke, with its handler string, environment and memory. The function process starts from here, so a handler
/// or variable renamed in the stack alone fails a test as it would fail in Lambda.
/// </summary>
public static class LambdaModelTemplate
{
    /// <summary>
    /// The props of the local runs' stack: the defaults, with input limits a test can pass cheaply, so that every
    /// variable the stack can set is in the template.
    /// </summary>
    public static LambdaModelStackProps Props { get; } = new() { MaxInputsPerRequest = 40, MaxCharactersPerInput = 2_000 };

    private static readonly Lazy<StackTemplate> Synthesized = new(
        () => new StackTemplate(StackSynthesis.Template(app => new LambdaModelStack(app, LambdaModelStack.ConstructId, Props))),
        LazyThreadSafetyMode.ExecutionAndPublication);

    public static StackTemplate Template => Synthesized.Value;

    /// <summary>The function behind <c>POST /v1/embeddings</c>.</summary>
    public static TemplateFunction Function => Template.RouteFunction("POST " + LambdaModelStack.EmbeddingsRoutePath);
}
