namespace Gateway.Edge.Pricing;

/// <summary>Billable token counts, disjoint so that cost is a plain sum of count x price: <see cref="Input"/> excludes
/// cache reads, <see cref="Output"/> includes reasoning (<see cref="Reasoning"/> is informational).</summary>
internal readonly record struct TokenUsage(long Input, long CachedInput, long CacheWrite, long Output, long Reasoning)
{
    /// <summary>From OpenAI's usage object, where prompt_tokens includes the cached ones.</summary>
    public static TokenUsage FromOpenAi(long promptTokens, long completionTokens, long cachedTokens, long reasoningTokens)
    {
        var cached = Math.Clamp(cachedTokens, 0, Math.Max(promptTokens, 0));
        return new TokenUsage(Math.Max(promptTokens - cached, 0), cached, 0, Math.Max(completionTokens, 0), Math.Max(reasoningTokens, 0));
    }
}
