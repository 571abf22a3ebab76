using System.Globalization;
using Gateway.Analytics.Queries;
using Gateway.Contracts;
using Gateway.Contracts.Analytics.V1;

namespace Gateway.Analytics.Dashboard;

/// <summary>Assembles <see cref="DashboardData"/> from the rollups: per tenant one daily rollup by provider and model
/// (spend per day, top models, totals, latency percentiles) and one by user (top users). Sums across tenants are
/// exact decimals, like the rollups themselves.</summary>
internal sealed class DashboardDataBuilder(CostRollupQuery rollups, DashboardTenantsQuery topTenants)
{
    /// <summary>Tenants shown when the request names none: the most expensive ones.</summary>
    public const int DefaultTenants = 8;

    /// <summary>Entries of the top models and top users lists.</summary>
    public const int TopEntries = 10;

    public async Task<DashboardData> BuildAsync(DashboardQuery query, DateTime utcNow, CancellationToken cancellationToken)
    {
        // Whole UTC days, today included: the daily buckets line up with the chart's columns.
        var end = utcNow.Date.AddDays(1);
        var start = end.AddDays(-query.Days);
        var tenantIds = query.TenantIds.Count > 0
            ? query.TenantIds
            : await topTenants.RunAsync(start, end, DefaultTenants, cancellationToken);

        // Tenants in parallel (each query holds its own pooled connection); two rollups per tenant.
        var perTenant = await Task.WhenAll(tenantIds.Select(async tenantId =>
        {
            var byModel = await rollups.RunAsync(Spec(tenantId, start, end, RollupDimensions.Provider | RollupDimensions.Model,
                RollupGranularity.Day), cancellationToken);
            var byUser = await rollups.RunAsync(Spec(tenantId, start, end, RollupDimensions.User, RollupGranularity.None),
                cancellationToken);
            return (TenantId: tenantId, ByModel: byModel, ByUser: byUser);
        }));

        var dates = new List<string>(query.Days);
        for (var day = start; day < end; day = day.AddDays(1))
        {
            dates.Add(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        var tenants = new List<DashboardTenant>(perTenant.Length);
        var models = new Dictionary<string, (long Requests, decimal Cost)>(StringComparer.Ordinal);
        var users = new List<(string Name, string TenantId, long Requests, decimal Cost)>();
        decimal cost = 0, saved = 0;
        long requests = 0, errors = 0, cacheHits = 0;
        foreach (var (tenantId, byModel, byUser) in perTenant)
        {
            var totals = byModel.Totals;
            cost += Money(totals.CostUsd);
            saved += Money(totals.SavedCostUsd);
            requests += totals.Requests;
            errors += totals.Errors;
            cacheHits += totals.CacheHits;
            tenants.Add(new DashboardTenant(tenantId, Text(totals.CostUsd), Text(totals.SavedCostUsd), totals.Requests,
                totals.Errors, totals.CacheHits, Daily(byModel.Series, start, query.Days),
                new DashboardLatency(totals.LatencyP50Us, totals.LatencyP95Us, totals.LatencyP99Us)));

            foreach (var row in byModel.Rows)
            {
                var name = row.Provider.Length == 0 && row.Model.Length == 0 ? "(none)" : $"{row.Provider}/{row.Model}";
                models.TryGetValue(name, out var sum);
                models[name] = (sum.Requests + row.Requests, sum.Cost + Money(row.CostUsd));
            }

            foreach (var row in byUser.Rows)
            {
                users.Add((row.User.Length == 0 ? "(anonymous)" : row.User, tenantId, row.Requests, Money(row.CostUsd)));
            }
        }

        var topModels = models
            .OrderByDescending(m => m.Value.Cost).ThenByDescending(m => m.Value.Requests).ThenBy(m => m.Key, StringComparer.Ordinal)
            .Take(TopEntries)
            .Select(m => new DashboardTopEntry(m.Key, "", m.Value.Requests, ExactDecimal.ToText(m.Value.Cost)))
            .ToList();
        var topUsers = users
            .OrderByDescending(u => u.Cost).ThenByDescending(u => u.Requests).ThenBy(u => u.Name, StringComparer.Ordinal)
            .Take(TopEntries)
            .Select(u => new DashboardTopEntry(u.Name, u.TenantId, u.Requests, ExactDecimal.ToText(u.Cost)))
            .ToList();

        return new DashboardData(start, end, dates,
            new DashboardTotals(ExactDecimal.ToText(cost), ExactDecimal.ToText(saved), requests, errors, cacheHits),
            tenants, topModels, topUsers);
    }

    private static RollupSpec Spec(string tenantId, DateTime start, DateTime end, RollupDimensions groupBy,
        RollupGranularity granularity) =>
        new(tenantId, start, end, groupBy, "", granularity, RollupFilter.None);

    /// <summary>The series (per day and model) summed per day, one entry per day of the range.</summary>
    private static List<string> Daily(IReadOnlyList<CostRollupRow> series, DateTime start, int days)
    {
        var perDay = new decimal[days];
        foreach (var row in series)
        {
            var index = (int)(row.BucketStart.ToDateTime() - start).TotalDays;
            if (index >= 0 && index < days)
            {
                perDay[index] += Money(row.CostUsd);
            }
        }

        return [.. perDay.Select(ExactDecimal.ToText)];
    }

    private static decimal Money(string text) => ExactDecimal.TryParse(text, out var value) ? value : 0m;

    private static string Text(string money) => money.Length == 0 ? "0" : money;
}
