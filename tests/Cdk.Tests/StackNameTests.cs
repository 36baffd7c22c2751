namespace ReferenceArchitectures.Cdk.Tests;

public sealed class StackNameTests
{
    [Fact]
    public void Every_stack_is_named_after_the_app_then_its_pattern()
    {
        var app = CdkTestApp.CreateApp(Directory.CreateTempSubdirectory("cdk-names-").FullName);

        var stacks = ReferenceArchitectureApp.Build(app).All;

        Assert.NotEmpty(stacks);
        Assert.All(stacks, stack =>
            Assert.Equal(ReferenceArchitectureApp.StackName(ReferenceArchitectureApp.AppName, stack.Node.Id.Replace("Stack", "", StringComparison.Ordinal)), stack.StackName));
    }

    [Theory]
    [InlineData("Contoso.Assistant", "LambdaBedrock", "Contoso-Assistant-LambdaBedrock")]
    [InlineData("my_app", "FargateModel", "my-app-FargateModel")]
    [InlineData(".Contoso", "GpuInference", "Contoso-GpuInference")]
    public void Project_names_become_valid_stack_names(string appName, string pattern, string expected)
    {
        Assert.Equal(expected, ReferenceArchitectureApp.StackName(appName, pattern));
    }

    [Theory]
    [InlineData("3D")]
    [InlineData("._")]
    public void A_name_without_a_leading_letter_is_refused(string appName)
    {
        var error = Assert.Throws<ArgumentException>(() => ReferenceArchitectureApp.StackName(appName, "LambdaBedrock"));

        Assert.Contains("must begin with a letter", error.Message, StringComparison.Ordinal);
    }
}
