using System.Collections.Concurrent;
using Gateway.Contracts;
using Gateway.Contracts.Config.V1;

namespace Gateway.Edge.Pricing;

/// <summary>One immutable version of the price table, indexed for the request path: exact (provider, model) first,
/// else the longest price-table model that prefixes the requested one (dated snapshots such as
/// <c>gpt-4o-mini-2024-07-18</c>). Answers are memoised per book, with a bound because model names come from clients.</summary>
internal sealed class PriceBook
{
    private const string MockProvider = "mock";
    private const string MockFallbackModel = "mock-1";
    private const string OpenAiProvider = "openai";
    private const string AzureOpenAiProvider = "azure-openai";
    private const string GeminiProvider = "gemini";
    private const string GoogleProvider = "google";
    private const int MaxMemoisedLookups = 10_000;

    private readonly Dictionary<string, ProviderRates> _providers;
    private readonly ConcurrentDictionary<(string Provider, string Model), ModelRate?> _memo = new();
    private int _memoCount;

    private PriceBook(string version, Dictionary<string, ProviderRates> providers)
    {
        Version = version;
        _providers = providers;
    }

    public static PriceBook Empty { get; } = new("", new Dictionary<string, ProviderRates>(StringComparer.Ordinal));

    public string Version { get; }

    /// <summary>Builds a book from Config's table. A row with an unparsable price is a Config bug: fail loudly so the
    /// previous book stays in force instead of pricing with wrong numbers.</summary>
    public static PriceBook From(PriceTable table)
    {
        var rows = new Dictionary<string, Dictionary<string, ModelRate>>(StringComparer.Ordinal);
        foreach (var price in table.Prices)
        {
            var provider = price.Provider.ToLowerInvariant();
            if (!rows.TryGetValue(provider, out var models))
            {
                models = new Dictionary<string, ModelRate>(StringComparer.Ordinal);
                rows[provider] = models;
            }

            models[price.Model] = new ModelRate(provider, price.Model, Parse(price.InputPerMtok), Parse(price.CachedInputPerMtok),
                Parse(price.CacheWritePerMtok), Parse(price.OutputPerMtok));
        }

        var providers = new Dictionary<string, ProviderRates>(StringComparer.Ordinal);
        foreach (var (provider, models) in rows)
        {
            providers[provider] = new ProviderRates(models);
        }

        return new PriceBook(table.Version, providers);
    }

    /// <summary>The rate for a request, or null when the model is not priced. The <c>mock</c> provider prices a
    /// model it has no row for as <c>openai</c> would (so demos show realistic costs), else as <c>mock-1</c>.</summary>
    public ModelRate? Find(string provider, string model)
    {
        var key = (provider, model);
        if (_memo.TryGetValue(key, out var memoised))
        {
            return memoised;
        }

        var rate = FindUncached(provider, model);
        if (Volatile.Read(ref _memoCount) < MaxMemoisedLookups && _memo.TryAdd(key, rate))
        {
            Interlocked.Increment(ref _memoCount);
        }

        return rate;
    }

    private ModelRate? FindUncached(string provider, string model)
    {
        var rate = Match(provider, model);
        if (rate is null && provider == MockProvider)
        {
            rate = Match(OpenAiProvider, model) ?? Match(MockProvider, MockFallbackModel);
        }
        else if (rate is null && PriceAlias(provider) is { } alias)
        {
            rate = Match(alias, model);
        }

        return rate;
    }

    /// <summary>Providers that serve another price-table provider's models at its list prices unless the table has
    /// rows of their own: Azure OpenAI deployments run OpenAI models, the Gemini API is priced under <c>google</c>.</summary>
    private static string? PriceAlias(string provider) => provider switch
    {
        AzureOpenAiProvider => OpenAiProvider,
        GeminiProvider => GoogleProvider,
        _ => null,
    };

    private ModelRate? Match(string provider, string model) =>
        _providers.TryGetValue(provider, out var rates) ? rates.Match(model) : null;

    private static decimal Parse(string value) =>
        ExactDecimal.TryParse(value, out var parsed) ? parsed : throw new FormatException($"'{value}' is not an exact decimal price.");

    private sealed class ProviderRates
    {
        private readonly Dictionary<string, ModelRate> _exact;
        private readonly ModelRate[] _longestFirst;

        public ProviderRates(Dictionary<string, ModelRate> exact)
        {
            _exact = exact;
            _longestFirst = [.. exact.Values];
            Array.Sort(_longestFirst, static (a, b) => b.Model.Length.CompareTo(a.Model.Length));
        }

        public ModelRate? Match(string model)
        {
            if (_exact.TryGetValue(model, out var exact))
            {
                return exact;
            }

            foreach (var rate in _longestFirst)
            {
                if (rate.Model.Length < model.Length && model.StartsWith(rate.Model, StringComparison.Ordinal))
                {
                    return rate;
                }
            }

            return null;
        }
    }
}
