using Amazon.CDK;
using ReferenceArchitectures.Cdk.Configuration;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>
/// The context reader parses types only, and reports the props' own validation under the setting's key: one rule per
/// bound, whether the value came from C# or from cdk.json.
/// </summary>
public sealed class ContextReaderTests
{
    private const string Prefix = "example:";

    [Theory]
    [InlineData("-5", -5)]
    [InlineData("0", 0)]
    [InlineData(" 2048 ", 2048)]
    [InlineData("2147483647", int.MaxValue)]
    public void Whole_numbers_are_read_whatever_their_size_and_sign(string text, int expected) =>
        Assert.Equal(expected, Reader(new() { ["example:value"] = text }).GetInt("value"));

    [Fact]
    public void Numbers_from_cdk_json_are_read_as_whole_numbers()
    {
        // cdk.json numbers reach the app as doubles; a large one prints as "1E+15".
        var reader = Reader(new() { ["example:small"] = 2048d, ["example:large"] = 1e15 });

        Assert.Equal(2048, reader.GetInt("small"));
        Assert.Equal(1_000_000_000_000_000, reader.GetLong("large"));
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("1.5")]
    [InlineData("2147483648")]
    public void Text_that_is_not_a_whole_number_of_the_type_names_the_key(string text)
    {
        var error = Assert.Throws<ContextSettingException>(() => Reader(new() { ["example:value"] = text }).GetInt("value"));

        Assert.Equal("example:value", error.Key);
        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("fast")]
    public void Text_that_is_not_a_finite_number_names_the_key(string text)
    {
        var error = Assert.Throws<ContextSettingException>(() => Reader(new() { ["example:rate"] = text }).GetDouble("rate"));

        Assert.Equal("example:rate", error.Key);
    }

    [Fact]
    public void A_missing_setting_reads_as_null()
    {
        var reader = Reader([]);

        Assert.Null(reader.GetInt("value"));
        Assert.Null(reader.GetLong("value"));
        Assert.Null(reader.GetDouble("value"));
    }

    [Fact]
    public void A_validation_error_is_reported_under_the_property_name_in_camel_case_with_the_props_message()
    {
        var reader = Reader([]);

        var error = Assert.Throws<ContextSettingException>(() =>
            reader.Validated(new object(), () => throw new ArgumentOutOfRangeException("MemorySizeMb", "MemorySizeMb must be from 128 to 10240; got 99999.")));

        Assert.Equal("example:memorySizeMb", error.Key);
        Assert.StartsWith("Context setting 'example:memorySizeMb': MemorySizeMb must be from 128 to 10240; got 99999.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_property_whose_setting_has_another_name_is_reported_under_that_name()
    {
        var reader = Reader([]);
        var settingNames = new Dictionary<string, string> { ["CpuUnits"] = "cpu" };

        var error = Assert.Throws<ContextSettingException>(() =>
            reader.Validated(new object(), () => throw new ArgumentException("CpuUnits must be one of Fargate's CPU sizes.", "CpuUnits"), settingNames));

        Assert.Equal("example:cpu", error.Key);
    }

    private static ContextReader Reader(Dictionary<string, object> context) =>
        new(new App(new AppProps { Context = context }).Node, Prefix);
}
