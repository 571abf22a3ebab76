extern alias edge;

using edge::Gateway.Edge.Caching;
using Microsoft.AspNetCore.Http;

namespace Gateway.Edge.Tests.Caching;

public sealed class CacheDirectiveTests
{
    private const long Year = 365L * 24 * 60 * 60;

    [Theory]
    [InlineData("x-gateway-cache", "true", nameof(CacheMode.Use), false)]
    [InlineData("x-gateway-cache", " TRUE ", nameof(CacheMode.Use), false)]
    [InlineData("x-gateway-cache", "refresh", nameof(CacheMode.Refresh), false)]
    [InlineData("x-gateway-cache", "Refresh", nameof(CacheMode.Refresh), false)]
    [InlineData("x-gateway-cache", "false", nameof(CacheMode.Off), false)]
    [InlineData("x-metrion-cache", "true", nameof(CacheMode.Use), true)]
    [InlineData("x-metrion-cache", "refresh", nameof(CacheMode.Refresh), true)]
    [InlineData("x-metrion-cache", "false", nameof(CacheMode.Off), false)]
    public void Mode_header_and_alias(string header, string value, string mode, bool echo)
    {
        var directive = Read(new HeaderDictionary { [header] = value });

        Assert.Equal(Enum.Parse<CacheMode>(mode), directive.Mode);
        Assert.Equal(echo, directive.EchoMetrionAlias);
    }

    [Fact]
    public void Canonical_mode_header_wins_over_the_alias()
    {
        var directive = Read(new HeaderDictionary { ["x-gateway-cache"] = "refresh", ["x-metrion-cache"] = "true" });

        Assert.Equal(CacheMode.Refresh, directive.Mode);
        Assert.False(directive.EchoMetrionAlias);
    }

    [Theory]
    [InlineData("x-gateway-cache", "yes")]
    [InlineData("x-gateway-cache", "1")]
    [InlineData("x-metrion-cache", "sometimes")]
    public void Unknown_mode_is_400(string header, string value)
    {
        var error = ReadError(new HeaderDictionary { [header] = value });

        Assert.Equal(400, error.StatusCode);
        Assert.Equal("invalid_cache_mode", error.Code);
        Assert.Contains(header, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x-gateway-cache-force-refresh")]
    [InlineData("x-portkey-cache-force-refresh")]
    public void Force_refresh_true_is_refresh(string header)
    {
        Assert.Equal(CacheMode.Refresh, Read(new HeaderDictionary { [header] = "true" }).Mode);
        Assert.Equal(CacheMode.Refresh, Read(new HeaderDictionary { [header] = "true", ["x-gateway-cache"] = "true" }).Mode);
        Assert.Equal(CacheMode.Off, Read(new HeaderDictionary { [header] = "false" }).Mode);
        Assert.Equal(CacheMode.Use, Read(new HeaderDictionary { [header] = "false", ["x-gateway-cache"] = "true" }).Mode);
    }

    [Fact]
    public void Explicit_false_beats_force_refresh_config_and_policy()
    {
        var headers = new HeaderDictionary { ["x-gateway-cache"] = "false", ["x-gateway-cache-force-refresh"] = "true" };

        Assert.Same(CacheDirective.Off, Read(headers, new CacheLevel(true, null), new CacheLevel(true, null)));
    }

    [Fact]
    public void Bad_force_refresh_is_400()
    {
        var error = ReadError(new HeaderDictionary { ["x-portkey-cache-force-refresh"] = "please" });

        Assert.Equal("invalid_cache_force_refresh", error.Code);
        Assert.Contains("x-portkey-cache-force-refresh", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_headers_config_then_policy_decide()
    {
        var none = new HeaderDictionary();

        Assert.Equal(CacheMode.Off, Read(none).Mode);
        Assert.Equal(CacheMode.Use, Read(none, CacheLevel.FromConfig(true, null), CacheLevel.Unset).Mode);
        Assert.Equal(CacheMode.Use, Read(none, CacheLevel.Unset, CacheLevel.FromPolicy(true, null)).Mode);
        Assert.Equal(CacheMode.Off, Read(none, CacheLevel.FromConfig(false, 60), CacheLevel.FromPolicy(false, null)).Mode);
        // A config that says "off" outranks a policy that says "on".
        Assert.Equal(CacheMode.Off, Read(none, new CacheLevel(false, null), CacheLevel.FromPolicy(true, null)).Mode);
        // The request outranks both.
        Assert.Equal(CacheMode.Use, Read(new HeaderDictionary { ["x-gateway-cache"] = "true" }, new CacheLevel(false, null), new CacheLevel(false, null)).Mode);
    }

    [Fact]
    public void Max_age_precedence_is_request_then_config_then_policy_then_seven_days()
    {
        var on = new HeaderDictionary { ["x-gateway-cache"] = "true" };
        var config = CacheLevel.FromConfig(true, 600);
        var policy = CacheLevel.FromPolicy(true, TimeSpan.FromHours(2));

        Assert.Equal(TimeSpan.FromDays(7), Read(on).TimeToLive);
        Assert.Equal(TimeSpan.FromHours(2), Read(on, CacheLevel.Unset, policy).TimeToLive);
        Assert.Equal(TimeSpan.FromMinutes(10), Read(on, config, policy).TimeToLive);
        Assert.Equal(TimeSpan.FromSeconds(42), Read(new HeaderDictionary { ["x-gateway-cache"] = "true", ["Cache-Control"] = "max-age=42" }, config, policy).TimeToLive);
        // Caching turned on by the policy alone still takes the request's retention.
        Assert.Equal(TimeSpan.FromSeconds(5), Read(new HeaderDictionary { ["Cache-Control"] = "max-age=5" }, CacheLevel.Unset, policy).TimeToLive);
    }

    [Theory]
    [InlineData("max-age=1", 1)]
    [InlineData("max-age=31536000", Year)]
    [InlineData("no-store, max-age=3600", 3600)]
    [InlineData("MAX-AGE = 60 , private", 60)]
    [InlineData("max-age=\"120\"", 120)]
    [InlineData("no-cache", 7 * 24 * 3600)]
    public void Max_age_values(string cacheControl, long expectedSeconds)
    {
        var directive = Read(new HeaderDictionary { ["x-gateway-cache"] = "true", ["Cache-Control"] = cacheControl });

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), directive.TimeToLive);
    }

    [Theory]
    [InlineData("max-age=0")]
    [InlineData("max-age=31536001")]
    [InlineData("max-age=99999999999999999999")]
    [InlineData("max-age=-5")]
    [InlineData("max-age=1.5")]
    [InlineData("max-age=abc")]
    [InlineData("max-age=")]
    [InlineData("max-age")]
    [InlineData("max-age=1e3")]
    public void Max_age_out_of_range_or_malformed_is_400(string cacheControl)
    {
        var error = ReadError(new HeaderDictionary { ["x-gateway-cache"] = "refresh", ["Cache-Control"] = cacheControl });

        Assert.Equal(400, error.StatusCode);
        Assert.Equal("invalid_cache_max_age", error.Code);
        Assert.Equal("invalid_request_error", error.Type);
        Assert.Contains("31536000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cache_control_is_ignored_when_the_request_does_not_cache()
    {
        Assert.Same(CacheDirective.Off, Read(new HeaderDictionary { ["Cache-Control"] = "max-age=junk" }));
    }

    [Theory]
    [InlineData("max-age=0")]
    [InlineData("max-age=junk")]
    public void A_bad_max_age_from_a_client_that_did_not_opt_in_is_ignored(string cacheControl)
    {
        var headers = new HeaderDictionary { ["Cache-Control"] = cacheControl };

        var directive = Read(headers, CacheLevel.FromConfig(true, 600), CacheLevel.Unset);

        Assert.Equal(CacheMode.Use, directive.Mode);
        Assert.Equal(TimeSpan.FromMinutes(10), directive.TimeToLive);
        Assert.Equal("invalid_cache_max_age",
            CacheDirective.Read(new HeaderDictionary { ["Cache-Control"] = cacheControl, ["x-gateway-cache-force-refresh"] = "true" },
                CacheLevel.FromConfig(true, 600), CacheLevel.Unset).Error!.Code);
    }

    [Fact]
    public void Config_and_policy_max_ages_are_clamped_to_a_year()
    {
        var directive = Read(new HeaderDictionary(), CacheLevel.Unset, CacheLevel.FromPolicy(true, TimeSpan.FromDays(1000)));

        Assert.Equal(TimeSpan.FromDays(365), directive.TimeToLive);
    }

    [Theory]
    [InlineData("x-gateway-cache-namespace", "team-a", "team-a")]
    [InlineData("x-portkey-cache-namespace", " docs/v2@eu_1.x ", "docs/v2@eu_1.x")]
    public void Namespace_header_and_alias(string header, string value, string expected)
    {
        Assert.Equal(expected, Read(new HeaderDictionary { ["x-gateway-cache"] = "true", [header] = value }).Namespace);
    }

    [Fact]
    public void No_namespace_is_the_default_one()
    {
        Assert.Equal("", Read(new HeaderDictionary { ["x-gateway-cache"] = "true" }).Namespace);
    }

    [Theory]
    [InlineData("a:b")]
    [InlineData("with space")]
    [InlineData("star*")]
    [InlineData("é")]
    public void Bad_namespace_is_400_even_without_caching(string value)
    {
        var error = ReadError(new HeaderDictionary { ["x-gateway-cache-namespace"] = value });

        Assert.Equal("invalid_cache_namespace", error.Code);
    }

    [Fact]
    public void Namespace_length_limit()
    {
        var longest = new string('n', CacheDirective.MaxNamespaceLength);

        Assert.Equal(longest, Read(new HeaderDictionary { ["x-gateway-cache"] = "true", ["x-gateway-cache-namespace"] = longest }).Namespace);
        Assert.Equal("invalid_cache_namespace", ReadError(new HeaderDictionary { ["x-gateway-cache-namespace"] = longest + "n" }).Code);
    }

    [Theory]
    [InlineData(nameof(CacheStatus.Hit), "HIT")]
    [InlineData(nameof(CacheStatus.Miss), "MISS")]
    [InlineData(nameof(CacheStatus.Refresh), "REFRESH")]
    public void Status_header_echoes_the_alias_the_client_used(string statusName, string text)
    {
        var status = Enum.Parse<CacheStatus>(statusName);
        var viaAlias = new HeaderDictionary();
        var viaCanonical = new HeaderDictionary();

        Read(new HeaderDictionary { ["x-metrion-cache"] = "true" }).WriteStatus(viaAlias, status);
        Read(new HeaderDictionary { ["x-gateway-cache"] = "true" }).WriteStatus(viaCanonical, status);

        Assert.Equal(text, viaAlias["x-gateway-cache"]);
        Assert.Equal(text, viaAlias["x-metrion-cache"]);
        Assert.Equal(text, viaCanonical["x-gateway-cache"]);
        Assert.False(viaCanonical.ContainsKey("x-metrion-cache"));
    }

    private static CacheDirective Read(IHeaderDictionary headers, CacheLevel config = default, CacheLevel policy = default)
    {
        var outcome = CacheDirective.Read(headers, config, policy);
        Assert.Null(outcome.Error);
        return outcome.Value!;
    }

    private static edge::Gateway.Edge.Errors.GatewayError ReadError(IHeaderDictionary headers)
    {
        var outcome = CacheDirective.Read(headers, CacheLevel.Unset, CacheLevel.Unset);
        Assert.Null(outcome.Value);
        return outcome.Error!;
    }
}
