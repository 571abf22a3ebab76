using Gateway.Contracts;
using Gateway.Contracts.Analytics.V1;
using Npgsql;

namespace Gateway.Analytics.Queries;

/// <summary>Month-to-date totals and the top models and users by cost, from the hourly rollups plus the events still
/// queued for them (together every stored request up to now), in one statement so all parts come from one
/// snapshot.</summary>
internal sealed class TenantSummaryQuery(NpgsqlDataSource dataSource)
{
    private const string Sql = """
        WITH month AS (
            SELECT model, requester, requests, errors, cost_usd, saved_cost_usd
            FROM usage_rollup_hourly
            WHERE tenant_id = $1 AND hour >= $2 AND hour < $3
            UNION ALL
            -- Events the roller has not moved into the rollups yet (same snapshot: each event is counted once).
            SELECT model, requester, 1, (status_code >= 400)::int, cost_usd, saved_cost_usd
            FROM usage_rollup_pending
            WHERE tenant_id = $1 AND started_at >= $2 AND started_at < $3
        )
        SELECT * FROM (
            SELECT 0 AS part, '' AS name, coalesce(sum(requests), 0)::bigint AS requests,
                   coalesce(sum(errors), 0)::bigint, coalesce(sum(cost_usd), 0) AS cost, coalesce(sum(saved_cost_usd), 0)
            FROM month
            UNION ALL
            (SELECT 1, model, sum(requests)::bigint, sum(errors)::bigint, sum(cost_usd) AS cost, sum(saved_cost_usd)
             FROM month GROUP BY model ORDER BY cost DESC, 3 DESC, model LIMIT $4)
            UNION ALL
            (SELECT 2, requester, sum(requests)::bigint, sum(errors)::bigint, sum(cost_usd) AS cost, sum(saved_cost_usd)
             FROM month GROUP BY requester ORDER BY cost DESC, 3 DESC, requester LIMIT $4)
        ) AS parts
        ORDER BY part, cost DESC, requests DESC, name
        """;

    /// <summary>The summary of [monthStart, monthStart + 1 month); the budget fields are left to the caller.</summary>
    public async Task<(TenantSummary Summary, decimal SpendUsd)> RunAsync(string tenantId, DateTime monthStart, int top, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenantId });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = monthStart });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = monthStart.AddMonths(1) });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = top });

        var summary = new TenantSummary { TenantId = tenantId, SpendUsd = "0", SavedCostUsd = "0" };
        var spend = 0m;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var part = reader.GetInt32(0);
            if (part == 0)
            {
                summary.Requests = reader.GetInt64(2);
                summary.Errors = reader.GetInt64(3);
                spend = reader.GetDecimal(4);
                summary.SpendUsd = ExactDecimal.ToText(spend);
                summary.SavedCostUsd = ExactDecimal.ToText(reader.GetDecimal(5));
                continue;
            }

            var entry = new TopEntry
            {
                Name = reader.GetString(1),
                Requests = reader.GetInt64(2),
                CostUsd = ExactDecimal.ToText(reader.GetDecimal(4)),
            };
            (part == 1 ? summary.TopModels : summary.TopUsers).Add(entry);
        }

        return (summary, spend);
    }
}
