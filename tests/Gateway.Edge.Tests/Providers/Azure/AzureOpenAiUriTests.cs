extern alias edge;

using edge::Gateway.Edge.Auth;
using edge::Gateway.Edge.Options;
using edge::Gateway.Edge.Providers.Azure;

namespace Gateway.Edge.Tests.Providers.Azure;

public sealed class AzureOpenAiUriTests
{
    private static readonly AzureOpenAiOptions Options = new();

    [Fact]
    public void Resource_name_makes_the_azure_host()
    {
        var uri = Build("", new() { ["resource"] = "contoso-eu", ["deployment"] = "gpt-4o" });

        Assert.Equal("https://contoso-eu.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", uri);
    }

    [Fact]
    public void Base_url_wins_over_the_resource_and_may_end_in_openai()
    {
        var uri = Build("https://custom.example.com/openai/", new() { ["resource"] = "ignored", ["deployment"] = "d", ["api_version"] = "2024-06-01" });

        Assert.Equal("https://custom.example.com/openai/deployments/d/chat/completions?api-version=2024-06-01", uri);
    }

    [Fact]
    public void Deployment_names_are_escaped_into_one_path_segment()
    {
        var uri = Build("", new() { ["resource"] = "r", ["deployment"] = "a/../b c" });

        Assert.Equal("https://r.openai.azure.com/openai/deployments/a%2F..%2Fb%20c/chat/completions?api-version=2024-10-21", uri);
    }

    [Theory]
    [InlineData("evil.example/x?")]
    [InlineData("a@b")]
    [InlineData("r.attacker.net#")]
    public void Resource_names_that_could_change_the_host_are_refused(string resource)
    {
        var built = AzureOpenAiUri.Build(Target("", new() { ["resource"] = resource, ["deployment"] = "d" }), Options);

        Assert.Null(built.Value);
        Assert.Equal((422, "virtual_key_misconfigured"), (built.Error!.StatusCode, built.Error.Code));
        Assert.Contains("'resource'", built.Error.Message);
    }

    [Fact]
    public void Api_version_with_query_characters_is_refused()
    {
        var built = AzureOpenAiUri.Build(Target("", new() { ["resource"] = "r", ["deployment"] = "d", ["api_version"] = "1&x=y" }), Options);

        Assert.Contains("'api_version'", built.Error!.Message);
    }

    private static string Build(string baseUrl, Dictionary<string, string> extras)
    {
        var built = AzureOpenAiUri.Build(Target(baseUrl, extras), Options);
        Assert.Null(built.Error);
        return built.Value!.AbsoluteUri;
    }

    private static ProviderTarget Target(string baseUrl, Dictionary<string, string> extras) =>
        new("vk-1", "azure-openai", "secret", baseUrl, new Dictionary<string, string>(extras, StringComparer.OrdinalIgnoreCase));
}
