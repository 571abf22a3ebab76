namespace Gateway.Edge.Pricing;

/// <summary>USD per 1M tokens of each kind, exact decimals.</summary>
internal sealed record ModelRate(string Provider, string Model, decimal Input, decimal CachedInput, decimal CacheWrite, decimal Output)
{
    private const decimal TokensPerUnit = 1_000_000m;

    public decimal Cost(TokenUsage usage) =>
        (usage.Input * Input + usage.CachedInput * CachedInput + usage.CacheWrite * CacheWrite + usage.Output * Output) / TokensPerUnit;
}
