using System.Text;

namespace ReferenceArchitectures.Bedrock.Tests;

/// <summary>One case of the AWS SigV4 test suite in TestData/sigv4 (see its SOURCE.md), with its request parsed.</summary>
public sealed record SigV4SuiteCase(string Name, string Method, string Target, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    // Parameters of the suite, listed in TestData/sigv4/SOURCE.md.
    public const string AccessKey = "AKIDEXAMPLE";
    public const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    public const string Region = "us-east-1";
    public const string Service = "service";
    public static readonly DateTime SignedAt = new(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc);

    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "TestData", "sigv4");

    /// <summary>Case names relative to the suite root, e.g. <c>normalize-path/get-slash</c>.</summary>
    public static IReadOnlyList<string> AllNames { get; } = Directory
        .EnumerateFiles(Root, "*.req", SearchOption.AllDirectories)
        .Select(f => Path.GetRelativePath(Root, Path.GetDirectoryName(f)!).Replace('\\', '/'))
        .Order(StringComparer.Ordinal)
        .ToList();

    public string Expected(string extension) => File.ReadAllText(FilePath(Name, extension), Encoding.UTF8);

    public string TargetPath => Target.Split('?', 2)[0];

    public string Query => Target.Contains('?', StringComparison.Ordinal) ? Target.Split('?', 2)[1] : "";

    public static SigV4SuiteCase Load(string name, string extension = "req") => Parse(name, File.ReadAllText(FilePath(name, extension), Encoding.UTF8));

    private static string FilePath(string name, string extension) => Path.Combine(Root, name, $"{name.Split('/')[^1]}.{extension}");

    /// <summary>
    /// Parses the suite's raw HTTP: request line, header lines (a line starting with whitespace continues the previous
    /// header and, as the suite's expected output shows, counts as a further value), a blank line, then the body.
    /// </summary>
    private static SigV4SuiteCase Parse(string name, string text)
    {
        var lines = text.Split('\n');
        var requestLine = lines[0];
        var method = requestLine[..requestLine.IndexOf(' ', StringComparison.Ordinal)];
        var target = requestLine[(method.Length + 1)..requestLine.LastIndexOf(" HTTP/", StringComparison.Ordinal)];
        var headers = new List<KeyValuePair<string, string>>();
        var index = 1;
        for (; index < lines.Length && lines[index].Length > 0; index++)
        {
            var line = lines[index];
            if (char.IsWhiteSpace(line[0]))
            {
                headers.Add(new(headers[^1].Key, line.Trim()));
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add(new(line[..colon], line[(colon + 1)..]));
        }

        var body = index < lines.Length ? string.Join('\n', lines[(index + 1)..]) : "";
        return new SigV4SuiteCase(name, method, target, headers, Encoding.UTF8.GetBytes(body));
    }
}
