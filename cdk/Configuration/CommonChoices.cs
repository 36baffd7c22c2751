using Amazon.CDK.AWS.Logs;

namespace ReferenceArchitectures.Cdk.Configuration;

/// <summary>Choices that several patterns' settings share, by the words a user writes in context.</summary>
public static class CommonChoices
{
    /// <summary>The retention periods CloudWatch Logs accepts, by their number of days
    /// (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).</summary>
    public static IReadOnlyDictionary<string, RetentionDays> LogRetentionDays { get; } = new Dictionary<string, RetentionDays>(StringComparer.Ordinal)
    {
        ["1"] = RetentionDays.ONE_DAY, ["3"] = RetentionDays.THREE_DAYS, ["5"] = RetentionDays.FIVE_DAYS,
        ["7"] = RetentionDays.ONE_WEEK, ["14"] = RetentionDays.TWO_WEEKS, ["30"] = RetentionDays.ONE_MONTH,
        ["60"] = RetentionDays.TWO_MONTHS, ["90"] = RetentionDays.THREE_MONTHS, ["120"] = RetentionDays.FOUR_MONTHS,
        ["150"] = RetentionDays.FIVE_MONTHS, ["180"] = RetentionDays.SIX_MONTHS, ["365"] = RetentionDays.ONE_YEAR,
        ["400"] = RetentionDays.THIRTEEN_MONTHS, ["545"] = RetentionDays.EIGHTEEN_MONTHS, ["731"] = RetentionDays.TWO_YEARS,
        ["1096"] = RetentionDays.THREE_YEARS, ["1827"] = RetentionDays.FIVE_YEARS, ["2192"] = RetentionDays.SIX_YEARS,
        ["2557"] = RetentionDays.SEVEN_YEARS, ["2922"] = RetentionDays.EIGHT_YEARS, ["3288"] = RetentionDays.NINE_YEARS,
        ["3653"] = RetentionDays.TEN_YEARS,
    };

    public static IReadOnlyDictionary<string, Amazon.CDK.RemovalPolicy> RemovalPolicies { get; } =
        new Dictionary<string, Amazon.CDK.RemovalPolicy>(StringComparer.Ordinal) { ["destroy"] = Amazon.CDK.RemovalPolicy.DESTROY, ["retain"] = Amazon.CDK.RemovalPolicy.RETAIN };
}
