using System.ComponentModel.DataAnnotations;

namespace Gateway.Edge.Options;

/// <summary>The <c>openai</c> provider (section <c>Providers:OpenAI</c>). A virtual key's base URL overrides it.</summary>
public sealed record OpenAiOptions
{
    public const string SectionName = "Providers:OpenAI";

    [Required, Url]
    public string BaseUrl { get; init; } = "https://api.openai.com/v1";
}
