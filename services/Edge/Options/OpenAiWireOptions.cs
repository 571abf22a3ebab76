using System.ComponentModel.DataAnnotations;

namespace Gateway.Edge.Options;

/// <summary>One OpenAI-wire provider's settings, a named options instance per provider bound from its own section
/// (<c>Providers:OpenAI</c>, <c>Providers:Mistral</c>, ... see <c>OpenAiWireProfiles</c>). Everything is optional:
/// unset values keep the provider's built-in defaults, and a virtual key's base URL still wins over both.</summary>
public sealed record OpenAiWireOptions
{
    /// <summary>Replaces the provider's default base URL (the part before <c>/chat/completions</c>).</summary>
    [Url]
    public string? BaseUrl { get; init; }

    /// <summary>Whether streaming requests get <c>stream_options.include_usage</c> added upstream; unset keeps the
    /// provider's default (off only for providers that reject the field).</summary>
    public bool? RequestStreamUsage { get; init; }
}
