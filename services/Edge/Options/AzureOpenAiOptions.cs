using System.ComponentModel.DataAnnotations;

namespace Gateway.Edge.Options;

/// <summary>The <c>azure-openai</c> provider (section <c>Providers:AzureOpenAI</c>). A virtual key's extras
/// (<c>resource</c>, <c>deployment</c>, <c>api_version</c>) and base URL take precedence.</summary>
public sealed record AzureOpenAiOptions
{
    public const string SectionName = "Providers:AzureOpenAI";

    /// <summary>Used when the virtual key names no <c>api_version</c>: the current GA data-plane version.</summary>
    [Required, RegularExpression("^[A-Za-z0-9.-]{1,32}$")]
    public string ApiVersion { get; init; } = "2024-10-21";

    /// <summary>Host suffix after the resource name; sovereign clouds use another (e.g. <c>openai.azure.us</c>).</summary>
    [Required, RegularExpression("^[a-z0-9.-]{3,128}$")]
    public string ResourceDomain { get; init; } = "openai.azure.com";

    /// <summary>Whether streaming requests get <c>stream_options.include_usage</c> added (supported since 2024-10-21).</summary>
    public bool RequestStreamUsage { get; init; } = true;
}
