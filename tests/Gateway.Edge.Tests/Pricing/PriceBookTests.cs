extern alias edge;

using Gateway.Contracts.Config.V1;
using edge::Gateway.Edge.Pricing;

namespace Gateway.Edge.Tests.Pricing;

public sealed class PriceBookTests
{
    private static readonly PriceBook Book = PriceBook.From(new PriceTable
    {
        Version = "v-test",
        Prices =
        {
            Price("openai", "gpt-4o", "2.50", "1.25", "0", "10.00"),
            Price("openai", "gpt-4o-mini", "0.15", "0.075", "0", "0.60"),
            Price("openai", "o3", "2", "0.5", "", "8"),
            Price("mock", "mock-1", "0.15", "0.075", "0.15", "0.60"),
            Price("anthropic", "claude-sonnet-4-5", "3", "0.30", "3.75", "15"),
        },
    });

    [Fact]
    public void Cost_is_exact_for_the_issue_example()
    {
        // gpt-4o-mini: 1000 prompt (200 cached) + 500 completion = 800*0.15 + 200*0.075 + 500*0.60 per 1M.
        var rate = Book.Find("openai", "gpt-4o-mini")!;

        var cost = rate.Cost(TokenUsage.FromOpenAi(1000, 500, 200, 0));

        Assert.Equal(0.000435m, cost);
    }

    [Fact]
    public void Cost_includes_cache_writes_at_their_own_rate()
    {
        var rate = Book.Find("anthropic", "claude-sonnet-4-5")!;

        var cost = rate.Cost(new TokenUsage(Input: 1_000_000, CachedInput: 1_000_000, CacheWrite: 1_000_000, Output: 1_000_000, Reasoning: 0));

        Assert.Equal(3m + 0.30m + 3.75m + 15m, cost);
    }

    [Fact]
    public void Dated_snapshots_match_the_longest_prefix()
    {
        Assert.Equal("gpt-4o-mini", Book.Find("openai", "gpt-4o-mini-2024-07-18")!.Model);
        Assert.Equal("gpt-4o", Book.Find("openai", "gpt-4o-2024-08-06")!.Model);
        Assert.Equal("gpt-4o", Book.Find("openai", "gpt-4o")!.Model);
    }

    [Fact]
    public void Unknown_models_and_providers_are_unpriced()
    {
        Assert.Null(Book.Find("openai", "gpt-"));
        Assert.Null(Book.Find("openai", "davinci"));
        Assert.Null(Book.Find("mistral", "gpt-4o"));
    }

    [Fact]
    public void Mock_prices_as_openai_when_the_model_is_known_there_else_as_mock_1()
    {
        var openAiModel = Book.Find("mock", "gpt-4o-2024-08-06")!;
        Assert.Equal(("openai", "gpt-4o"), (openAiModel.Provider, openAiModel.Model));

        var fallback = Book.Find("mock", "anything-else")!;
        Assert.Equal(("mock", "mock-1"), (fallback.Provider, fallback.Model));
    }

    [Fact]
    public void Empty_price_strings_are_zero()
    {
        Assert.Equal(0m, Book.Find("openai", "o3")!.CacheWrite);
        Assert.Equal("v-test", Book.Version);
    }

    [Fact]
    public void Memoised_lookups_return_the_same_answer()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("gpt-4o-mini", Book.Find("openai", "gpt-4o-mini-2024-07-18")!.Model);
            Assert.Null(Book.Find("openai", "nope"));
        }
    }

    [Fact]
    public void An_unparsable_price_fails_the_whole_table()
    {
        var table = new PriceTable { Version = "bad", Prices = { Price("openai", "x", "1,5", "0", "0", "1") } };

        Assert.Throws<FormatException>(() => PriceBook.From(table));
    }

    private static ModelPrice Price(string provider, string model, string input, string cached, string write, string output) => new()
    {
        Provider = provider,
        Model = model,
        InputPerMtok = input,
        CachedInputPerMtok = cached,
        CacheWritePerMtok = write,
        OutputPerMtok = output,
    };
}
