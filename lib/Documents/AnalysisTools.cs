using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ReferenceArchitectures.Documents;

/// <summary>
/// The tools the model is made to call (tool use is how Converse returns output that follows a JSON schema), and
/// the checks on what it passes them.
/// </summary>
internal static class AnalysisTools
{
    public const string AnalysisToolName = "record_document_analysis";
    public const string SummaryToolName = "record_document_summary";

    public static AIFunctionDeclaration AnalysisTool(DocumentAnalyzerOptions options) =>
        AIFunctionFactory.CreateDeclaration(
            AnalysisToolName,
            "Records the category, the named entities and a summary of the document text you were given.",
            Schema(writer =>
            {
                writer.WriteStartObject("category");
                writer.WriteString("type", "string");
                writer.WriteString("description", "The one category that fits the text best.");
                WriteEnum(writer, options.Categories);
                writer.WriteEndObject();

                writer.WriteStartObject("confidence");
                writer.WriteString("type", "number");
                writer.WriteNumber("minimum", 0);
                writer.WriteNumber("maximum", 1);
                writer.WriteString("description", "How sure you are of the category, from 0 to 1.");
                writer.WriteEndObject();

                writer.WriteStartObject("entities");
                writer.WriteString("type", "array");
                writer.WriteString("description", "Each named entity the text mentions, once.");
                writer.WriteStartObject("items");
                writer.WriteString("type", "object");
                writer.WriteStartObject("properties");
                writer.WriteStartObject("name");
                writer.WriteString("type", "string");
                writer.WriteString("description", "The entity as written in the text.");
                writer.WriteEndObject();
                writer.WriteStartObject("type");
                writer.WriteString("type", "string");
                WriteEnum(writer, options.EntityTypes);
                writer.WriteEndObject();
                writer.WriteEndObject();
                WriteRequired(writer, "name", "type");
                writer.WriteEndObject();
                writer.WriteEndObject();

                writer.WriteStartObject("summary");
                writer.WriteString("type", "string");
                writer.WriteString("description", $"A summary of the text in at most {options.SummarySentences} sentences.");
                writer.WriteEndObject();
            }, "category", "confidence", "entities", "summary"));

    public static AIFunctionDeclaration SummaryTool(DocumentAnalyzerOptions options) =>
        AIFunctionFactory.CreateDeclaration(
            SummaryToolName,
            "Records one summary of the whole document, written from the summaries of its parts.",
            Schema(writer =>
            {
                writer.WriteStartObject("summary");
                writer.WriteString("type", "string");
                writer.WriteString("description", $"A summary of the whole document in at most {options.SummarySentences} sentences.");
                writer.WriteEndObject();
            }, "summary"));

    /// <summary>Checks the analysis tool's input; returns the analysis, or every problem found in it.</summary>
    public static (ChunkAnalysis? Analysis, List<string> Errors) ReadAnalysis(JsonElement input, DocumentAnalyzerOptions options)
    {
        var errors = new List<string>();
        if (input.ValueKind != JsonValueKind.Object)
        {
            errors.Add("the tool input must be a JSON object.");
            return (null, errors);
        }

        string? category = null;
        if (!input.TryGetProperty("category", out var categoryValue) || categoryValue.ValueKind != JsonValueKind.String)
        {
            errors.Add("\"category\" is missing or not a string.");
        }
        else
        {
            category = Canonical(categoryValue.GetString()!, options.Categories);
            if (category is null)
            {
                errors.Add($"\"category\" is \"{categoryValue.GetString()}\", which is not one of: {string.Join(", ", options.Categories)}.");
            }
        }

        var confidence = 0d;
        if (!input.TryGetProperty("confidence", out var confidenceValue) || confidenceValue.ValueKind != JsonValueKind.Number
            || !confidenceValue.TryGetDouble(out confidence) || confidence is < 0 or > 1)
        {
            errors.Add("\"confidence\" must be a number from 0 to 1.");
        }

        var entities = new List<DocumentEntity>();
        if (!input.TryGetProperty("entities", out var entitiesValue) || entitiesValue.ValueKind != JsonValueKind.Array)
        {
            errors.Add("\"entities\" is missing or not an array (send [] when there are none).");
        }
        else
        {
            var index = 0;
            foreach (var entity in entitiesValue.EnumerateArray())
            {
                ReadEntity(entity, index++, options, entities, errors);
            }
        }

        var summary = ReadSummary(input, errors);
        return errors.Count > 0 ? (null, errors) : (new ChunkAnalysis(category!, confidence, entities, summary!), errors);
    }

    public static (string? Summary, List<string> Errors) ReadSummary(JsonElement input)
    {
        var errors = new List<string>();
        if (input.ValueKind != JsonValueKind.Object)
        {
            errors.Add("the tool input must be a JSON object.");
            return (null, errors);
        }

        var summary = ReadSummary(input, errors);
        return (summary, errors);
    }

    private static string? ReadSummary(JsonElement input, List<string> errors)
    {
        if (input.TryGetProperty("summary", out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString()))
        {
            return value.GetString()!.Trim();
        }

        errors.Add("\"summary\" is missing or empty.");
        return null;
    }

    private static void ReadEntity(JsonElement entity, int index, DocumentAnalyzerOptions options, List<DocumentEntity> entities, List<string> errors)
    {
        if (entity.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"entities[{index}] is not an object with \"name\" and \"type\".");
            return;
        }

        var name = entity.TryGetProperty("name", out var nameValue) && nameValue.ValueKind == JsonValueKind.String ? nameValue.GetString()!.Trim() : "";
        if (name.Length == 0)
        {
            errors.Add($"entities[{index}].name is missing or empty.");
        }

        var rawType = entity.TryGetProperty("type", out var typeValue) && typeValue.ValueKind == JsonValueKind.String ? typeValue.GetString()! : null;
        var type = rawType is null ? null : Canonical(rawType, options.EntityTypes);
        if (type is null)
        {
            errors.Add($"entities[{index}].type is \"{rawType}\", which is not one of: {string.Join(", ", options.EntityTypes)}.");
        }

        if (name.Length > 0 && type is not null)
        {
            entities.Add(new DocumentEntity(name, type));
        }
    }

    /// <summary>The configured spelling of a name the model may have written in another case or with spaces around it.</summary>
    private static string? Canonical(string value, IReadOnlyList<string> allowed) =>
        allowed.FirstOrDefault(a => string.Equals(a.Trim(), value.Trim(), StringComparison.OrdinalIgnoreCase))?.Trim();

    private static JsonElement Schema(Action<Utf8JsonWriter> writeProperties, params string[] required)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "object");
            writer.WriteStartObject("properties");
            writeProperties(writer);
            writer.WriteEndObject();
            WriteRequired(writer, required);
            writer.WriteBoolean("additionalProperties", false);
            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private static void WriteEnum(Utf8JsonWriter writer, IReadOnlyList<string> values)
    {
        writer.WriteStartArray("enum");
        foreach (var value in values)
        {
            writer.WriteStringValue(value.Trim());
        }

        writer.WriteEndArray();
    }

    private static void WriteRequired(Utf8JsonWriter writer, params string[] names)
    {
        writer.WriteStartArray("required");
        foreach (var name in names)
        {
            writer.WriteStringValue(name);
        }

        writer.WriteEndArray();
    }
}

/// <summary>What the model found in one chunk.</summary>
internal sealed record ChunkAnalysis(string Category, double Confidence, IReadOnlyList<DocumentEntity> Entities, string Summary);
