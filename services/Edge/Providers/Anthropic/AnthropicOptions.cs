using System.ComponentModel.DataAnnotations;

namespace Gateway.Edge.Providers.Anthropic;

/// <summary>The <c>anthropic</c> provider (section <c>Providers:Anthropic</c>). A virtual key's base URL overrides it.</summary>
public sealed record AnthropicOptions
{
    public const string SectionName = "Providers:Anthropic";

    [Required, Url]
    public string BaseUrl { get; init; } = "https://api.anthropic.com";
}
