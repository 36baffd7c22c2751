namespace ReferenceArchitectures.Tools.Advisor.Estimation;

public enum Pattern
{
    LambdaBedrock = 1,
    FargateModel = 2,
    GpuInference = 3,
    HybridPipeline = 4,
    LambdaModel = 5,
}

/// <summary>One line of a monthly bill: what is counted, how much of it, and the price-file keys it used.</summary>
public sealed record LineItem(string Name, string Quantity, double MonthlyUsd, IReadOnlyList<string> PriceKeys);

/// <summary>A pattern's answer for one workload: whether it can run it, and if so what it costs a month.</summary>
public sealed record PatternEstimate(Pattern Pattern, IReadOnlyList<string> RuledOutBy, IReadOnlyList<LineItem> LineItems, IReadOnlyList<string> Notes)
{
    public bool CanRun => RuledOutBy.Count == 0;
    public double MonthlyUsd => LineItems.Sum(item => item.MonthlyUsd);
    public string Title => Titles[Pattern];
    public string StackName => Pattern + "Stack";

    public static IReadOnlyDictionary<Pattern, string> Titles { get; } = new Dictionary<Pattern, string>
    {
        [Pattern.LambdaBedrock] = "1 Lambda + Bedrock",
        [Pattern.FargateModel] = "2 Fargate + local model",
        [Pattern.GpuInference] = "3 ECS on EC2 + GPU",
        [Pattern.HybridPipeline] = "4 Step Functions hybrid",
        [Pattern.LambdaModel] = "5 Lambda + local model",
    };
}
