using System.Text.Json.Serialization;

namespace ReferenceArchitectures.Documents;

/// <summary>The kinds of document the pipeline accepts. JSON names are the usual file extensions.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DocumentType>))]
public enum DocumentType
{
    [JsonStringEnumMemberName("txt")]
    Text,

    [JsonStringEnumMemberName("md")]
    Markdown,

    [JsonStringEnumMemberName("html")]
    Html,

    [JsonStringEnumMemberName("pdf")]
    Pdf,

    [JsonStringEnumMemberName("docx")]
    Docx,
}
