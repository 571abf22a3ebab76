using Gateway.Contracts;
using Gateway.Contracts.Analytics.V1;
using Npgsql;

namespace Gateway.Analytics.Queries;

/// <summary>Sums one tenant's usage events over [start, end) per group, and the totals, in one statement (GROUPING
/// SETS), so rows and totals come from the same snapshot. Money is summed as numeric and read as decimal: exact.</summary>
internal sealed class CostRollupQuery(NpgsqlDataSource dataSource)
{
    private static readonly string ByProvider = BuildSql(RollupGrouping.Provider);
    private static readonly string ByModel = BuildSql(RollupGrouping.Model);
    private static readonly string ByProviderAndModel = BuildSql(RollupGrouping.ProviderAndModel);

    public async Task<CostRollup> RunAsync(string tenantId, DateTime start, DateTime end, RollupGrouping grouping,
        CancellationToken cancellationToken)
    {
        var sql = grouping switch
        {
            RollupGrouping.Provider => ByProvider,
            RollupGrouping.Model => ByModel,
            _ => ByProviderAndModel,
        };
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenantId });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = start });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = end });

        var rows = new List<CostRollupRow>();
        CostRollupRow? totals = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new CostRollupRow
            {
                Provider = reader.IsDBNull(0) ? "" : reader.GetString(0),
                Model = reader.IsDBNull(1) ? "" : reader.GetString(1),
                Requests = reader.GetInt64(3),
                Errors = reader.GetInt64(4),
                InputTokens = reader.GetInt64(5),
                CachedInputTokens = reader.GetInt64(6),
                CacheWriteTokens = reader.GetInt64(7),
                OutputTokens = reader.GetInt64(8),
                ReasoningTokens = reader.GetInt64(9),
                CostUsd = ExactDecimal.ToText(reader.GetDecimal(10)),
                SavedCostUsd = ExactDecimal.ToText(reader.GetDecimal(11)),
            };
            if (reader.GetBoolean(2))
            {
                totals = row;
            }
            else
            {
                rows.Add(row);
            }
        }

        // The empty grouping set always yields a totals row; the fallback only guards the contract.
        return new CostRollup(rows, totals ?? new CostRollupRow { CostUsd = "0", SavedCostUsd = "0" });
    }

    private static string BuildSql(RollupGrouping grouping)
    {
        var provider = grouping.HasFlag(RollupGrouping.Provider) ? "provider" : "''::text";
        var model = grouping.HasFlag(RollupGrouping.Model) ? "model" : "''::text";
        var groupColumns = grouping switch
        {
            RollupGrouping.Provider => "provider",
            RollupGrouping.Model => "model",
            _ => "provider, model",
        };

        // Columns by position: 0 provider, 1 model, 2 is_total, 3 requests, 4 errors, 5-9 tokens, 10 cost, 11 saved.
        return $"""
            SELECT {provider} AS provider, {model} AS model, GROUPING({groupColumns}) <> 0 AS is_total,
                   count(*) AS requests,
                   count(*) FILTER (WHERE status_code >= 400) AS errors,
                   coalesce(sum(input_tokens), 0)::bigint,
                   coalesce(sum(cached_input_tokens), 0)::bigint,
                   coalesce(sum(cache_write_tokens), 0)::bigint,
                   coalesce(sum(output_tokens), 0)::bigint,
                   coalesce(sum(reasoning_tokens), 0)::bigint,
                   coalesce(sum(cost_usd), 0) AS cost_usd,
                   coalesce(sum(saved_cost_usd), 0)
            FROM usage_events
            WHERE tenant_id = $1 AND started_at >= $2 AND started_at < $3
            GROUP BY GROUPING SETS (({groupColumns}), ())
            ORDER BY is_total, cost_usd DESC, provider, model
            """;
    }
}
