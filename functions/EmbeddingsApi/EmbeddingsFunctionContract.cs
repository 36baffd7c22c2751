namespace ReferenceArchitectures.Functions.EmbeddingsApi;

/// <summary>
/// What the Lambda-hosted model's stack and its function must agree on: the handler string and the names of the
/// environment variables the stack sets and <see cref="EmbeddingsFunctionSettings"/> reads.
/// </summary>
/// <remarks>
/// The CDK app compiles the same file as a link (cdk/ReferenceArchitectures.Cdk.csproj), so each name is spelled once
/// and the function takes no dependency on the CDK. Internal in both assemblies, like pattern 1's contract.
/// </remarks>
internal static class EmbeddingsFunctionContract
{
    /// <summary>The buffered handler behind the HTTP API's <c>POST /v1/embeddings</c> and <c>POST /v1/similarity</c>.</summary>
    public const string Handler = "embeddings-api";

    /// <summary>Threads one model run uses: the stack sets the vCPUs Lambda gives the function's memory size.</summary>
    public const string IntraOpThreadsVariable = "EMBEDDINGS_INTRA_OP_THREADS";

    /// <summary>Optional: most texts in one request (default 256, as the model server).</summary>
    public const string MaxInputsPerRequestVariable = "EMBEDDINGS_MAX_INPUTS_PER_REQUEST";

    /// <summary>Optional: longest text in characters (default 16384, as the model server).</summary>
    public const string MaxCharactersPerInputVariable = "EMBEDDINGS_MAX_CHARACTERS_PER_INPUT";
}
