using System.Text.RegularExpressions;
using Gateway.Contracts;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Config.Policies;

/// <summary>Validates and normalises the limits of a tenant policy, collecting every problem so an operator fixes
/// them in one go. The default config id is checked for syntax only: a policy may name a config before it is put
/// (the Edge answers a request whose default config is missing with a clear error).</summary>
internal static partial class PolicyLimitsValidator
{
    public const int MaxProviders = 100;
    public const long MaxCacheAgeSeconds = 365L * 24 * 60 * 60;

    // numeric(20,10), as prices: at most 10 integer digits and 10 decimal places.
    private const decimal MaxBudget = 9_999_999_999.9999999999m;
    private const int MaxScale = 10;

    public static PolicyLimits Normalise(ConfigV1.TenantPolicyLimits? limits, List<string> errors)
    {
        if (limits is null)
        {
            return PolicyLimits.None;
        }

        var providers = Providers(limits.AllowedProviders, errors);
        var configId = limits.DefaultConfigId.Trim();
        if (configId.Length > 0 && !ConfigIdPattern().IsMatch(configId))
        {
            errors.Add($"limits.default_config_id '{limits.DefaultConfigId}' must be 1 to 128 of [A-Za-z0-9._-]");
        }

        if (limits.CacheMaxAgeSeconds is < 0 or > MaxCacheAgeSeconds)
        {
            errors.Add($"limits.cache_max_age_seconds must be 0 to {MaxCacheAgeSeconds} (365 days), got {limits.CacheMaxAgeSeconds}");
        }

        var budget = Budget(limits.MonthlyBudgetUsd, errors);
        NotNegative(limits.RequestsPerMinute, "requests_per_minute", errors);
        NotNegative(limits.TokensPerMinute, "tokens_per_minute", errors);
        NotNegative(limits.KeyRequestsPerMinute, "key_requests_per_minute", errors);
        NotNegative(limits.KeyTokensPerMinute, "key_tokens_per_minute", errors);

        return new PolicyLimits(providers, configId, limits.CacheEnabled, limits.CacheMaxAgeSeconds, budget,
            limits.RequestsPerMinute, limits.TokensPerMinute, limits.KeyRequestsPerMinute, limits.KeyTokensPerMinute);
    }

    private static List<string> Providers(Google.Protobuf.Collections.RepeatedField<string> providers, List<string> errors)
    {
        var result = new List<string>(providers.Count);
        if (providers.Count > MaxProviders)
        {
            errors.Add($"at most {MaxProviders} limits.allowed_providers entries are accepted, got {providers.Count}");
        }

        for (var i = 0; i < providers.Count; i++)
        {
            var provider = providers[i].Trim().ToLowerInvariant();
            if (!ProviderPattern().IsMatch(provider))
            {
                errors.Add($"limits.allowed_providers[{i}] '{providers[i]}' must be 1 to 64 of [a-z0-9._-]");
            }
            else if (!result.Contains(provider))
            {
                result.Add(provider);
            }
        }

        return result;
    }

    /// <summary>Empty and zero both mean "no budget" (the contract's zero-means-none rule), stored as null.</summary>
    private static decimal? Budget(string text, List<string> errors)
    {
        if (!ExactDecimal.TryParse(text.Trim(), out var value) || value > MaxBudget || value.Scale > MaxScale)
        {
            errors.Add($"limits.monthly_budget_usd '{text}' must be a non-negative decimal with at most 10 integer and 10 fractional digits");
            return null;
        }

        return value == 0m ? null : value;
    }

    private static void NotNegative(long value, string field, List<string> errors)
    {
        if (value < 0)
        {
            errors.Add($"limits.{field} must not be negative, got {value}");
        }
    }

    [GeneratedRegex("^[a-z0-9._-]{1,64}$")]
    private static partial Regex ProviderPattern();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}$")]
    private static partial Regex ConfigIdPattern();
}
