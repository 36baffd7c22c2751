using System.Text.Json.Nodes;
using Amazon.CDK;
using ReferenceArchitectures.Cdk.Configuration;
using ReferenceArchitectures.Cdk.FargateModel;
using ReferenceArchitectures.Cdk.GpuInference;
using ReferenceArchitectures.Cdk.HybridPipeline;
using ReferenceArchitectures.Cdk.LambdaModel;
using ReferenceArchitectures.Cdk.LambdaBedrock;
using ReferenceArchitectures.Tools.TemplateBuilder;

namespace ReferenceArchitectures.Templates.Tests;

/// <summary>The template parameters name real settings and default to what the stacks use.</summary>
public sealed class TemplateParameterTests
{
    public static TheoryData<string, string> Parameters()
    {
        var data = new TheoryData<string, string>();
        foreach (var pattern in PatternCatalog.All)
        {
            foreach (var parameter in pattern.Parameters)
            {
                data.Add(pattern.Pattern, parameter.Symbol);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Parameters))]
    public void Each_parameter_is_a_setting_the_stack_reads_and_its_default_is_the_stacks_default(string patternName, string symbol)
    {
        var parameter = PatternCatalog.Find(patternName).Parameters.Single(p => p.Symbol == symbol);

        var withoutSetting = Props(patternName, []);
        var withDefault = Props(patternName, new() { [parameter.ContextKey] = parameter.DefaultValue });
        Assert.Equal(Simple(withoutSetting), Simple(withDefault));

        // Another value either changes a prop or is refused naming the key: either way the stack reads the key.
        try
        {
            var changed = Props(patternName, new() { [parameter.ContextKey] = OtherValue(parameter) });
            Assert.NotEqual(Simple(withoutSetting), Simple(changed));
        }
        catch (ContextSettingException error)
        {
            Assert.Equal(parameter.ContextKey, error.Key);
        }
    }

    private static object Props(string pattern, Dictionary<string, object> context)
    {
        var node = new App(new AppProps { Context = context }).Node;
        return pattern switch
        {
            "LambdaBedrock" => LambdaBedrockSettings.FromContext(node, null),
            "FargateModel" => FargateModelSettings.FromContext(node, null),
            "GpuInference" => GpuInferenceSettings.FromContext(node, null),
            "HybridPipeline" => HybridPipelineSettings.FromContext(node, null),
            "LambdaModel" => LambdaModelSettings.FromContext(node, null),
            _ => throw new ArgumentOutOfRangeException(nameof(pattern), pattern, "not a pattern"),
        };
    }

    // The props that are plain values (text, numbers, choices), by name.
    private static string Simple(object props) =>
        string.Join("; ", props.GetType().GetProperties()
            .Where(p => p.PropertyType.IsPrimitive || p.PropertyType.IsEnum || p.PropertyType == typeof(string) || Nullable.GetUnderlyingType(p.PropertyType) is { } inner && (inner.IsPrimitive || inner.IsEnum))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.GetValue(props)}"));

    // Values other than the default that the stack accepts: Fargate takes 2048 MiB with 512 CPU units, not with 2048.
    private static readonly Dictionary<string, string> Alternatives = new(StringComparer.Ordinal)
    {
        ["fargateModel:cpu"] = "512",
        ["lambdaBedrock:modelId"] = "us.amazon.nova-pro-v1:0",
        ["hybridPipeline:modelId"] = "us.amazon.nova-pro-v1:0",
        ["gpuInference:instanceType"] = "g6.xlarge",
    };

    private static string OtherValue(TemplateParameter parameter) => Alternatives.TryGetValue(parameter.ContextKey, out var value) ? value : parameter.DataType switch
    {
        "choice" => parameter.Choices!.First(choice => choice != parameter.DefaultValue),
        "integer" => (long.Parse(parameter.DefaultValue, System.Globalization.CultureInfo.InvariantCulture) * 2).ToString(System.Globalization.CultureInfo.InvariantCulture),
        "float" => (double.Parse(parameter.DefaultValue, System.Globalization.CultureInfo.InvariantCulture) / 2).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"Give {parameter.ContextKey} another value in {nameof(Alternatives)}."),
    };
}
