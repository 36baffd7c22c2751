using ReferenceArchitectures.Cdk;
using ReferenceArchitectures.Tools.TemplateBuilder;

// template-builder <output-folder> [pattern ...]: writes one `dotnet new` template per pattern into <output-folder>/<short-name>/.
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: template-builder <output-folder> [aws-ai-lambda-bedrock|aws-ai-fargate-model|aws-ai-gpu-inference|aws-ai-hybrid-pipeline ...]");
    return args.Length == 0 ? 2 : 0;
}

try
{
    var output = Path.GetFullPath(args[0]);
    var manifests = PatternCatalog.All.Select(p => p.Manifest).ToList();
    var patterns = args.Length > 1 ? args.Skip(1).Select(PatternCatalog.Find).ToList() : PatternCatalog.All;
    foreach (var pattern in patterns)
    {
        var files = TemplateWriter.Write(RepositoryLayout.Root, pattern, manifests, Path.Combine(output, pattern.ShortName));
        Console.WriteLine($"{pattern.ShortName}: {files.Count} files");
    }

    return 0;
}
catch (Exception error) when (error is ArgumentException or InvalidOperationException or IOException)
{
    Console.Error.WriteLine($"template-builder: {error.Message}");
    return 1;
}
