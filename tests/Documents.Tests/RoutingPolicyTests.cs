using ReferenceArchitectures.Testing.DocumentCorpus;

namespace ReferenceArchitectures.Documents.Tests;

public class RoutingPolicyTests
{
    private static readonly RoutingPolicy Policy = new() { MaxLightBytes = 1000, MaxLightPdfPages = 10, MaxLightCharacters = 800 };

    [Fact]
    public void A_document_within_every_limit_takes_the_light_path()
    {
        var decision = Policy.Route(DocumentInspection.Accept(DocumentType.Pdf, sizeBytes: 1000, estimatedCharacters: 800, pages: 10));

        Assert.Equal(ProcessingPath.Light, decision.Path);
    }

    [Fact]
    public void A_document_over_the_byte_limit_takes_the_heavy_path()
    {
        var decision = Policy.Route(DocumentInspection.Accept(DocumentType.Text, sizeBytes: 1001, estimatedCharacters: 10));

        Assert.Equal(ProcessingPath.Heavy, decision.Path);
        Assert.Contains("1001 bytes", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pdf_over_the_page_limit_takes_the_heavy_path()
    {
        var decision = Policy.Route(DocumentInspection.Accept(DocumentType.Pdf, sizeBytes: 500, estimatedCharacters: 10, pages: 11));

        Assert.Equal(ProcessingPath.Heavy, decision.Path);
        Assert.Contains("11 PDF pages", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_small_file_with_much_text_takes_the_heavy_path()
    {
        var decision = Policy.Route(DocumentInspection.Accept(DocumentType.Docx, sizeBytes: 500, estimatedCharacters: 801));

        Assert.Equal(ProcessingPath.Heavy, decision.Path);
        Assert.Contains("801 characters", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rejected_document_has_no_path()
    {
        Assert.Throws<ArgumentException>(() => Policy.Route(DocumentInspection.Reject("not a PDF", 10)));
    }

    [Fact]
    public void A_limit_that_is_not_positive_is_refused_by_name()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => (RoutingPolicy.Default with { MaxLightPdfPages = 0 }).Validate());

        Assert.Equal("MaxLightPdfPages", error.ParamName);
    }

    [Fact]
    public async Task The_default_policy_sends_a_small_pdf_light_and_a_long_one_heavy()
    {
        var small = await DocumentInspector.InspectAsync("s.pdf", null, new MemoryStream(Corpus.Pdf(pages: 2)), CancellationToken.None);
        var large = await DocumentInspector.InspectAsync("l.pdf", null, new MemoryStream(Corpus.Pdf(pages: RoutingPolicy.Default.MaxLightPdfPages + 1)), CancellationToken.None);

        Assert.Equal(ProcessingPath.Light, RoutingPolicy.Default.Route(small).Path);
        Assert.Equal(ProcessingPath.Heavy, RoutingPolicy.Default.Route(large).Path);
    }
}
