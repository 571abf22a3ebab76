using Gateway.Edge.Pricing;

namespace Gateway.Edge.Translation;

/// <summary>A translated response body that knows the provider's exact usage in the gateway's own terms, including
/// counts the OpenAI usage shape cannot carry (Anthropic's cache writes). The relay prefers it over what it reads from
/// the translated, OpenAI-shaped body, so cost includes every kind of token.</summary>
internal interface INativeUsageSource
{
    /// <summary>Null until the provider reported usage; for streams, updated as usage events pass through.</summary>
    TokenUsage? NativeUsage { get; }
}
