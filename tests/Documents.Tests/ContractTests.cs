using System.Text.Json;

namespace ReferenceArchitectures.Documents.Tests;

public class ContractTests
{
    [Fact]
    public void The_analysis_result_serialises_to_the_documented_json()
    {
        var analysis = new DocumentAnalysis
        {
            DocumentType = DocumentType.Pdf,
            Category = "invoice",
            CategoryConfidence = 0.85,
            Entities = [new DocumentEntity("Karrow Fishing Cooperative", "organization")],
            Summary = "An invoice for a cold store.",
            ChunkCount = 3,
            Characters = 41250,
            Pages = 12,
            Usage = new AnalysisUsage(15230, 1210, 4),
            Model = "amazon.nova-lite-v1:0",
        };

        var json = JsonSerializer.Serialize(analysis, DocumentsJsonContext.Default.DocumentAnalysis);

        Assert.Equal(
            """{"documentType":"pdf","category":"invoice","categoryConfidence":0.85,"entities":[{"name":"Karrow Fishing Cooperative","type":"organization"}],"summary":"An invoice for a cold store.","chunkCount":3,"characters":41250,"pages":12,"usage":{"inputTokens":15230,"outputTokens":1210,"modelCalls":4},"model":"amazon.nova-lite-v1:0"}""",
            json);
    }

    [Fact]
    public void The_analysis_result_reads_back_equal_apart_from_the_entity_list_instance()
    {
        var analysis = new DocumentAnalysis
        {
            DocumentType = DocumentType.Markdown,
            Category = "report",
            CategoryConfidence = 1,
            Entities = [new DocumentEntity("Karrow", "location")],
            Summary = "s",
            ChunkCount = 1,
            Characters = 10,
            Usage = new AnalysisUsage(1, 2, 1),
            Model = "m",
        };

        var read = JsonSerializer.Deserialize(JsonSerializer.Serialize(analysis, DocumentsJsonContext.Default.DocumentAnalysis), DocumentsJsonContext.Default.DocumentAnalysis)!;

        Assert.Equal(analysis with { Entities = read.Entities }, read);
        Assert.Equal(analysis.Entities, read.Entities);
        Assert.Null(read.Pages);
    }

    [Fact]
    public void An_inspection_serialises_flat_for_the_choice_state()
    {
        var json = JsonSerializer.Serialize(DocumentInspection.Accept(DocumentType.Docx, 2048, 900), DocumentsJsonContext.Default.DocumentInspection);

        Assert.Equal(
            """{"accepted":true,"rejectionReason":null,"documentType":"docx","sizeBytes":2048,"pages":null,"estimatedCharacters":900,"estimatedTokens":225}""",
            json);
    }

    [Fact]
    public void A_rejection_serialises_with_its_reason()
    {
        var json = JsonSerializer.Serialize(DocumentInspection.Reject("The content is a PNG image.", 29), DocumentsJsonContext.Default.DocumentInspection);

        Assert.Equal(
            """{"accepted":false,"rejectionReason":"The content is a PNG image.","documentType":null,"sizeBytes":29,"pages":null,"estimatedCharacters":0,"estimatedTokens":0}""",
            json);
    }

    [Fact]
    public void A_routing_decision_names_the_path_in_lower_case()
    {
        var json = JsonSerializer.Serialize(new RoutingDecision(ProcessingPath.Heavy, "big"), DocumentsJsonContext.Default.RoutingDecision);

        Assert.Equal("""{"path":"heavy","reason":"big"}""", json);
    }
}
