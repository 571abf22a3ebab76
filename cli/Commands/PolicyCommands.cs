using System.CommandLine;
using System.Globalization;
using Gateway.Cli.Connection;
using Gateway.Contracts.Config.V1;

namespace Gateway.Cli.Commands;

internal static class PolicyCommands
{
    public static Command Create(TextWriter output) => new("policies", "Manage tenant policies") { Set(output), Get(output) };

    private static Command Set(TextWriter output)
    {
        var tenant = new Option<string>("--tenant") { Description = "Tenant whose policy to replace", Required = true };
        var hosts = new Option<string[]>("--allow-host")
        {
            Description = "Custom host a request may target (exact host, IP, or *.suffix); repeat for more",
            AllowMultipleArgumentsPerToken = true,
        };
        var allowPrivate = new Option<bool>("--allow-private-hosts")
        {
            Description = "Let custom hosts resolve to loopback/private addresses (local Ollama or vLLM)",
        };
        var providers = new Option<string[]>("--allowed-provider")
        {
            Description = "Provider the tenant may use (openai, anthropic, ...); repeat for more (none = every provider)",
            AllowMultipleArgumentsPerToken = true,
        };
        var defaultConfig = new Option<string?>("--default-config") { Description = "Routing config id for requests that name none" };
        var cache = new Option<bool>("--cache") { Description = "Cache answers by default" };
        var noCache = new Option<bool>("--no-cache") { Description = "Do not cache by default (the default)" };
        var cacheMaxAge = new Option<string?>("--cache-max-age")
        {
            Description = "Retention of entries cached by default: seconds or 30d, 12h, 90m, 45s (default: 7 days)",
        };
        var budget = new Option<string?>("--monthly-budget") { Description = "USD per calendar month (UTC), exact decimal (default: none)" };
        var rpm = new Option<int>("--rpm") { Description = "Requests per minute for the whole tenant (0: unlimited)" };
        var tpm = new Option<long>("--tpm") { Description = "Tokens per minute for the whole tenant (0: unlimited)" };
        var keyRpm = new Option<int>("--key-rpm") { Description = "Requests per minute for each gateway key (0: unlimited)" };
        var keyTpm = new Option<long>("--key-tpm") { Description = "Tokens per minute for each gateway key (0: unlimited)" };
        var set = new Command("set", "Replace a tenant's policy as a whole (what is not given is reset to its default)")
        {
            tenant, hosts, allowPrivate, providers, defaultConfig, cache, noCache, cacheMaxAge, budget, rpm, tpm, keyRpm, keyTpm,
        };
        set.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            if (result.GetValue(cache) && result.GetValue(noCache))
            {
                throw new CliException("--cache and --no-cache contradict each other; give one.");
            }

            var limits = new TenantPolicyLimits
            {
                DefaultConfigId = result.GetValue(defaultConfig) ?? "",
                CacheEnabled = result.GetValue(cache),
                CacheMaxAgeSeconds = result.GetValue(cacheMaxAge) is { } age ? ParseSeconds(age, "--cache-max-age") : 0,
                MonthlyBudgetUsd = result.GetValue(budget) ?? "",
                RequestsPerMinute = result.GetValue(rpm),
                TokensPerMinute = result.GetValue(tpm),
                KeyRequestsPerMinute = result.GetValue(keyRpm),
                KeyTokensPerMinute = result.GetValue(keyTpm),
            };
            limits.AllowedProviders.Add(result.GetValue(providers) ?? []);
            var request = new PutTenantPolicyRequest
            {
                TenantId = result.GetValue(tenant)!,
                AllowPrivateHosts = result.GetValue(allowPrivate),
                Limits = limits,
            };
            request.AllowedCustomHosts.Add(result.GetValue(hosts) ?? []);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.Config, "Config address", "--config"));
            var policy = await new Config.ConfigClient(channel).PutTenantPolicyAsync(
                request, Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(policy, () => Describe(policy));
        });
        return set;
    }

    private static Command Get(TextWriter output)
    {
        var tenant = new Option<string>("--tenant") { Description = "Tenant whose policy to show", Required = true };
        var get = new Command("get", "Show a tenant's policy (the defaults when none was set)") { tenant };
        get.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.Config, "Config address", "--config"));
            var policy = await new Config.ConfigClient(channel).GetTenantPolicyAsync(
                new GetTenantPolicyRequest { TenantId = result.GetValue(tenant)! },
                Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(policy, () => Describe(policy));
        });
        return get;
    }

    /// <summary>Plain seconds, or a positive number with d, h, m or s.</summary>
    internal static long ParseSeconds(string value, string option)
    {
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds;
        }

        try
        {
            return (long)KeyCommands.ParseLifetime(value).TotalSeconds;
        }
        catch (CliException)
        {
            throw new CliException($"{option} '{value}' is not a duration; use seconds or a number with d, h, m or s (e.g. 7d).");
        }
    }

    private static string Describe(TenantPolicy policy)
    {
        var limits = policy.Limits ?? new TenantPolicyLimits();
        static string OrNone<T>(T value, T none, string text) => EqualityComparer<T>.Default.Equals(value, none) ? "unlimited" : text;
        return string.Join(Environment.NewLine,
            $"tenant {policy.TenantId}",
            $"  custom hosts        [{string.Join(", ", policy.AllowedCustomHosts)}]",
            $"  private addresses   {(policy.AllowPrivateHosts ? "allowed" : "refused")}",
            $"  providers           {(limits.AllowedProviders.Count == 0 ? "all" : string.Join(", ", limits.AllowedProviders))}",
            $"  default config      {(limits.DefaultConfigId.Length == 0 ? "-" : limits.DefaultConfigId)}",
            $"  cache by default    {(limits.CacheEnabled ? "on" : "off")}, max age {(limits.CacheMaxAgeSeconds == 0 ? "7d (default)" : Seconds(limits.CacheMaxAgeSeconds))}",
            $"  monthly budget      {(limits.MonthlyBudgetUsd.Length == 0 ? "none" : "$" + limits.MonthlyBudgetUsd)}",
            $"  tenant rate limits  {OrNone(limits.RequestsPerMinute, 0, $"{limits.RequestsPerMinute} req/min")}, {OrNone(limits.TokensPerMinute, 0L, $"{limits.TokensPerMinute} tokens/min")}",
            $"  per-key rate limits {OrNone(limits.KeyRequestsPerMinute, 0, $"{limits.KeyRequestsPerMinute} req/min")}, {OrNone(limits.KeyTokensPerMinute, 0L, $"{limits.KeyTokensPerMinute} tokens/min")}");
    }

    private static string Seconds(long seconds) => seconds % 86_400 == 0
        ? string.Create(CultureInfo.InvariantCulture, $"{seconds / 86_400}d")
        : string.Create(CultureInfo.InvariantCulture, $"{seconds}s");
}
