using ReferenceArchitectures.Cdk.HybridPipeline;
using ReferenceArchitectures.Documents;

namespace ReferenceArchitectures.Pipeline.Tests;

/// <summary>The library's routing rule and the state machine's Choice state must send a document the same way.</summary>
public sealed class RoutingAgreementTests
{
    [Fact]
    public void The_library_routing_defaults_are_the_state_machines_thresholds()
    {
        var stack = new HybridPipelineStackProps();
        var library = RoutingPolicy.Default;

        Assert.Equal(stack.LightMaxBytes, library.MaxLightBytes);
        Assert.Equal(stack.LightMaxPages, library.MaxLightPdfPages);
        Assert.Equal(stack.LightMaxCharacters, library.MaxLightCharacters);
    }
}
