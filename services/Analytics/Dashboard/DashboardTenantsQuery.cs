using Npgsql;

namespace Gateway.Analytics.Dashboard;

/// <summary>The tenants with the highest spend in a range, when the dashboard is not told which to show. A loose
/// index scan walks the distinct tenants of the narrow per-model rollup through its primary key, then sums each
/// tenant's hours in the range through the same key: it never reads raw rows, nor hours outside the range. Events
/// still queued for the rollups are added from usage_rollup_pending.</summary>
internal sealed class DashboardTenantsQuery(NpgsqlDataSource dataSource)
{
    private const string Sql = """
        WITH RECURSIVE tenants AS (
            (SELECT tenant_id FROM usage_rollup_model_hourly ORDER BY tenant_id LIMIT 1)
            UNION ALL
            SELECT (SELECT r.tenant_id FROM usage_rollup_model_hourly r
                    WHERE r.tenant_id > t.tenant_id ORDER BY r.tenant_id LIMIT 1)
            FROM tenants t
            WHERE t.tenant_id IS NOT NULL
        ), pending AS (
            -- Events the roller has not moved into the rollups yet (one snapshot: each is counted once).
            SELECT tenant_id, sum(cost_usd) AS cost, count(*) AS requests
            FROM usage_rollup_pending
            WHERE started_at >= $1 AND started_at < $2
            GROUP BY tenant_id
        ), candidates AS (
            SELECT tenant_id FROM tenants WHERE tenant_id IS NOT NULL
            UNION
            SELECT tenant_id FROM pending
        )
        SELECT c.tenant_id
        FROM candidates c
        CROSS JOIN LATERAL (
            SELECT sum(r.cost_usd) AS cost, sum(r.requests) AS requests
            FROM usage_rollup_model_hourly r
            WHERE r.tenant_id = c.tenant_id AND r.hour >= $1 AND r.hour < $2
        ) s
        LEFT JOIN pending p ON p.tenant_id = c.tenant_id
        WHERE coalesce(s.requests, 0) + coalesce(p.requests, 0) > 0
        ORDER BY coalesce(s.cost, 0) + coalesce(p.cost, 0) DESC, coalesce(s.requests, 0) + coalesce(p.requests, 0) DESC,
                 c.tenant_id
        LIMIT $3
        """;

    /// <summary>Up to <paramref name="limit"/> tenant ids with requests in [start, end), most expensive first.</summary>
    public async Task<IReadOnlyList<string>> RunAsync(DateTime start, DateTime end, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = start });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = end });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });

        var tenants = new List<string>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            tenants.Add(reader.GetString(0));
        }

        return tenants;
    }
}
