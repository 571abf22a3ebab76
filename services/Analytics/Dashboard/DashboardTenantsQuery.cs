using Npgsql;

namespace Gateway.Analytics.Dashboard;

/// <summary>The tenants with the highest spend in a range, when the dashboard is not told which to show. A loose
/// index scan walks the distinct tenants of the narrow per-model rollup through its primary key, then sums each
/// tenant's hours in the range through the same key: it never reads raw rows, nor hours outside the range.</summary>
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
        )
        SELECT t.tenant_id
        FROM tenants t
        CROSS JOIN LATERAL (
            SELECT sum(r.cost_usd) AS cost, sum(r.requests) AS requests
            FROM usage_rollup_model_hourly r
            WHERE r.tenant_id = t.tenant_id AND r.hour >= $1 AND r.hour < $2
        ) s
        WHERE t.tenant_id IS NOT NULL AND s.requests > 0
        ORDER BY s.cost DESC, s.requests DESC, t.tenant_id
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
