extern alias edge;

using Gateway.Contracts.Config.V1;
using edge::Gateway.Edge.Auth;
using edge::Gateway.Edge.ChatCompletions;
using edge::Gateway.Edge.Pricing;

namespace Gateway.Edge.Tests.ChatCompletions;

public sealed class UsageEventBuilderTests
{
    private static readonly PriceBook Book = PriceBook.From(new PriceTable
    {
        Version = "2025-10-list",
        Prices = { new ModelPrice { Provider = "openai", Model = "gpt-4o-mini", InputPerMtok = "0.15", CachedInputPerMtok = "0.075", CacheWritePerMtok = "0", OutputPerMtok = "0.60" } },
    });

    [Fact]
    public void Event_carries_disjoint_tokens_and_exact_cost()
    {
        var record = Record("gpt-4o-mini-2024-07-18");
        record.Usage = TokenUsage.FromOpenAi(1000, 500, 200, 50);

        var usageEvent = UsageEventBuilder.Build(record, Book, record.StartTimestamp + 1000);

        Assert.Equal(("tenant-a", "key-1", "vk-1"), (usageEvent.TenantId, usageEvent.ApiKeyId, usageEvent.VirtualKeyId));
        Assert.Equal((800, 200, 500, 50), (usageEvent.InputTokens, usageEvent.CachedInputTokens, usageEvent.OutputTokens, usageEvent.ReasoningTokens));
        Assert.Equal("0.000435", usageEvent.CostUsd);
        Assert.True(usageEvent.Priced);
        Assert.Equal("2025-10-list", usageEvent.PriceVersion);
        Assert.True(Guid.TryParse(usageEvent.EventId, out _));
        Assert.Equal("trace-1", usageEvent.TraceId);
        Assert.Equal("/v1/chat/completions", usageEvent.Endpoint);
    }

    [Fact]
    public void Unknown_model_is_unpriced_with_zero_cost()
    {
        var record = Record("my-finetune");
        record.Usage = TokenUsage.FromOpenAi(10, 10, 0, 0);

        var usageEvent = UsageEventBuilder.Build(record, Book, record.StartTimestamp);

        Assert.False(usageEvent.Priced);
        Assert.Equal("0", usageEvent.CostUsd);
    }

    private static RequestRecord Record(string model) => new("/v1/chat/completions", "trace-1")
    {
        Caller = new CallerIdentity("tenant-a", "key-1"),
        VirtualKeyId = "vk-1",
        Provider = "openai",
        Model = model,
    };
}
