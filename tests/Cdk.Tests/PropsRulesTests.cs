using ReferenceArchitectures.Cdk.Constructs;

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>The checks every pattern's props share: each names the property at fault, in ParamName and in the message.</summary>
public sealed class PropsRulesTests
{
    [Fact]
    public void A_range_gives_both_ends()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => PropsRules.RequireRange(31, 1, 30, "ApiTimeoutSeconds"));

        Assert.Equal("ApiTimeoutSeconds", error.ParamName);
        Assert.StartsWith("ApiTimeoutSeconds must be from 1 to 30; got 31.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_range_open_above_says_at_least()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => PropsRules.RequireRange(0L, 1, long.MaxValue, "LightMaxBytes"));

        Assert.StartsWith("LightMaxBytes must be at least 1; got 0.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    public void An_int_range_open_above_takes_every_value_from_its_minimum(int value) =>
        Assert.Null(Record.Exception(() => PropsRules.RequireRange(value, 1, int.MaxValue, "ThrottlingBurstLimit")));

    [Theory]
    [InlineData(127)]
    [InlineData(10_241)]
    public void Function_memory_outside_lambdas_limits_is_refused(int memorySizeMb) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PropsRules.RequireFunctionMemory(memorySizeMb, "MemorySizeMb"));

    [Theory]
    [InlineData(0)]
    [InlineData(901)]
    public void Function_timeout_outside_lambdas_limits_is_refused(int timeoutSeconds) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PropsRules.RequireFunctionTimeout(timeoutSeconds, "TimeoutSeconds"));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_positive_number_is_finite_and_above_zero(double value) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PropsRules.RequirePositive(value, "ThrottlingRateLimit"));

    [Fact]
    public void A_check_written_elsewhere_is_reported_as_the_propertys()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            PropsRules.RequireAccepted(() => throw new ArgumentException("'x' is not a model id."), "ModelId"));

        Assert.Equal("ModelId", error.ParamName);
        Assert.StartsWith("'x' is not a model id.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nobody")]
    [InlineData("a b@example.com")]
    [InlineData("@")]
    public void An_email_address_has_an_at_sign_and_no_spaces(string email) =>
        Assert.Equal("AlarmEmail", Assert.Throws<ArgumentException>(() => PropsRules.RequireEmail(email, "AlarmEmail")).ParamName);

    [Fact]
    public void Region_names_have_no_spaces() =>
        Assert.Equal("Regions", Assert.Throws<ArgumentException>(() => PropsRules.RequireRegionNames(["eu-west-1", "eu west 2"], "Regions")).ParamName);
}
