namespace ReferenceArchitectures.Cdk.Tests;

public sealed class StackNameTests
{
    [Fact]
    public void Every_stack_is_named_after_the_app_then_its_pattern()
    {
        var app = CdkTestApp.CreateApp(Directory.CreateTempSubdirectory("cdk-names-").FullName);

        var stacks = ReferenceArchitectureApp.Build(app);

        Assert.NotEmpty(stacks);
        Assert.All(stacks, stack =>
            Assert.Equal(ReferenceArchitectureApp.StackName(ReferenceArchitectureApp.AppName, stack.Node.Id.Replace("Stack", "", StringComparison.Ordinal)), stack.StackName));
    }

    // The pattern part is any name: these cases hold in a project made from one pattern as much as in the repository.
    [Theory]
    [InlineData("Contoso.Assistant", "Chat", "Contoso-Assistant-Chat")]
    [InlineData("my_app", "Embeddings", "my-app-Embeddings")]
    [InlineData(".Contoso", "Documents", "Contoso-Documents")]
    public void Project_names_become_valid_stack_names(string appName, string pattern, string expected)
    {
        Assert.Equal(expected, ReferenceArchitectureApp.StackName(appName, pattern));
    }

    [Theory]
    [InlineData("3D")]
    [InlineData("._")]
    public void A_name_without_a_leading_letter_is_refused(string appName)
    {
        var error = Assert.Throws<ArgumentException>(() => ReferenceArchitectureApp.StackName(appName, "Chat"));

        Assert.Contains("must begin with a letter", error.Message, StringComparison.Ordinal);
    }
}
