using System.Data;
using Gateway.Contracts;
using Gateway.Contracts.Analytics.V1;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace Gateway.Analytics.Queries;

/// <summary>Answers a rollup (see <see cref="CostRollupSql"/>): the sums, then the latency percentiles of the same
/// groups, in one read-only REPEATABLE READ transaction so both see the same snapshot. Money is summed as numeric and
/// read as decimal: exact.</summary>
internal sealed class CostRollupQuery(NpgsqlDataSource dataSource)
{
    public async Task<CostRollup> RunAsync(RollupSpec spec, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);

        var rows = new List<CostRollupRow>();
        var series = new List<CostRollupRow>();
        CostRollupRow? totals = null;
        var byGroup = new Dictionary<GroupKey, CostRollupRow>();
        await using (var sums = new NpgsqlCommand(null, connection, transaction))
        {
            CostRollupSql.BuildSums(sums, spec);
            await using var reader = await sums.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var row = ReadSums(reader);
                var kind = reader.GetInt32(CostRollupSql.Kind);
                switch (kind)
                {
                    case CostRollupSql.TotalsKind:
                        totals = row;
                        break;
                    case CostRollupSql.SeriesKind:
                        row.BucketStart = Timestamp.FromDateTime(reader.GetDateTime(CostRollupSql.Bucket));
                        series.Add(row);
                        break;
                    default:
                        rows.Add(row);
                        break;
                }

                byGroup[GroupKey.Of(reader, kind)] = row;
            }
        }

        await using (var latency = new NpgsqlCommand(null, connection, transaction))
        {
            CostRollupSql.BuildLatency(latency, spec);
            await using var reader = await latency.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (byGroup.TryGetValue(GroupKey.Of(reader, reader.GetInt32(CostRollupSql.Kind)), out var row))
                {
                    row.LatencyP50Us = Representative(reader, CostRollupSql.P50Bucket);
                    row.LatencyP95Us = Representative(reader, CostRollupSql.P95Bucket);
                    row.LatencyP99Us = Representative(reader, CostRollupSql.P99Bucket);
                }
            }
        }

        await transaction.CommitAsync(cancellationToken);

        // The empty grouping set always yields a totals row; the fallback only guards the contract.
        return new CostRollup(rows, series, totals ?? new CostRollupRow { CostUsd = "0", SavedCostUsd = "0" });
    }

    private static CostRollupRow ReadSums(NpgsqlDataReader reader) => new()
    {
        Provider = Text(reader, CostRollupSql.Provider),
        Model = Text(reader, CostRollupSql.Model),
        User = Text(reader, CostRollupSql.User),
        ApiKeyId = Text(reader, CostRollupSql.ApiKey),
        VirtualKeyId = Text(reader, CostRollupSql.VirtualKey),
        MetadataValue = Text(reader, CostRollupSql.MetadataValue),
        Requests = reader.GetInt64(CostRollupSql.Requests),
        Errors = reader.GetInt64(CostRollupSql.Errors),
        CacheHits = reader.GetInt64(CostRollupSql.CacheHits),
        InputTokens = reader.GetInt64(CostRollupSql.InputTokens),
        CachedInputTokens = reader.GetInt64(CostRollupSql.CachedInputTokens),
        CacheWriteTokens = reader.GetInt64(CostRollupSql.CacheWriteTokens),
        OutputTokens = reader.GetInt64(CostRollupSql.OutputTokens),
        ReasoningTokens = reader.GetInt64(CostRollupSql.ReasoningTokens),
        CostUsd = ExactDecimal.ToText(reader.GetDecimal(CostRollupSql.CostUsd)),
        SavedCostUsd = ExactDecimal.ToText(reader.GetDecimal(CostRollupSql.SavedCostUsd)),
        LatencySumUs = reader.GetInt64(CostRollupSql.LatencySumUs),
    };

    /// <summary>The latency reported for a percentile's 1-based histogram bucket (0 if the group had no cells).</summary>
    private static long Representative(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal)
        ? 0
        : LatencyHistogram.Representative(Math.Clamp(reader.GetInt32(ordinal) - 1, 0, LatencyHistogram.Buckets - 1));

    /// <summary>A dimension column: NULL where the grouping set rolled it up (rows of coarser sets).</summary>
    private static string Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? "" : reader.GetString(ordinal);

    /// <summary>Identifies one output row (series bucket, row or totals) in both statements.</summary>
    private readonly record struct GroupKey(int Kind, long BucketTicks, string Provider, string Model, string User,
        string ApiKey, string VirtualKey, string MetadataValue)
    {
        public static GroupKey Of(NpgsqlDataReader reader, int kind) => new(
            kind,
            reader.IsDBNull(CostRollupSql.Bucket) ? 0 : reader.GetDateTime(CostRollupSql.Bucket).Ticks,
            Text(reader, CostRollupSql.Provider),
            Text(reader, CostRollupSql.Model),
            Text(reader, CostRollupSql.User),
            Text(reader, CostRollupSql.ApiKey),
            Text(reader, CostRollupSql.VirtualKey),
            Text(reader, CostRollupSql.MetadataValue));
    }
}
