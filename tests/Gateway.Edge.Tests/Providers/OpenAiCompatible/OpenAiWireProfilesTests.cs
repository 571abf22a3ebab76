extern alias edge;

using edge::Gateway.Edge.Providers.OpenAiCompatible;

namespace Gateway.Edge.Tests.Providers.OpenAiCompatible;

/// <summary>The built-in defaults, as each provider documents them (the integration tests point keys elsewhere).</summary>
public sealed class OpenAiWireProfilesTests
{
    [Theory]
    [InlineData("openai", "https://api.openai.com/v1", true)]
    [InlineData("mistral", "https://api.mistral.ai/v1", false)]
    [InlineData("xai", "https://api.x.ai/v1", true)]
    [InlineData("groq", "https://api.groq.com/openai/v1", true)]
    [InlineData("deepseek", "https://api.deepseek.com", true)]
    [InlineData("gemini", "https://generativelanguage.googleapis.com/v1beta/openai", false)]
    [InlineData("openai-compatible", "", true)]
    public void Each_provider_has_its_documented_base_url_and_stream_usage_support(string name, string baseUrl, bool streamUsage)
    {
        var profile = Assert.Single(OpenAiWireProfiles.All, p => p.Name == name);

        Assert.Equal((baseUrl, streamUsage), (profile.DefaultBaseUrl, profile.RequestsStreamUsage));
    }

    [Fact]
    public void Every_default_base_url_makes_an_https_chat_completions_url()
    {
        foreach (var profile in OpenAiWireProfiles.All)
        {
            if (profile.DefaultBaseUrl.Length == 0)
            {
                continue;
            }

            var uri = OpenAiWire.ChatCompletionsUri(profile.DefaultBaseUrl + "/");
            Assert.NotNull(uri);
            Assert.Equal("https", uri.Scheme);
            Assert.EndsWith("/chat/completions", uri.AbsolutePath, StringComparison.Ordinal);
            Assert.DoesNotContain("//chat", uri.AbsolutePath, StringComparison.Ordinal);
        }
    }
}
