using System.Data;
using Gateway.Contracts;
using Gateway.Contracts.Analytics.V1;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace Gateway.Analytics.Queries;

/// <summary>Answers a rollup (see <see cref="CostRollupSql"/>): the sums, then the latency histogram cells of the
/// finest groups (added up here into the rows, series points and totals for the percentiles), in one read-only
/// REPEATABLE READ transaction so both see the same snapshot. Money is summed as numeric and read as decimal:
/// exact.</summary>
internal sealed class CostRollupQuery(NpgsqlDataSource dataSource)
{
    public async Task<CostRollup> RunAsync(RollupSpec spec, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        // One round trip for the three statements; the transaction gives both queries the same snapshot. A month
        // by user groups ~6,000 sums rows per tenant, which spilled to disk at the default 4 MB.
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL work_mem = '32MB'"));
        var sums = new NpgsqlBatchCommand();
        CostRollupSql.BuildSums(sums, spec);
        batch.BatchCommands.Add(sums);
        var latency = new NpgsqlBatchCommand();
        CostRollupSql.BuildLatency(latency, spec);
        batch.BatchCommands.Add(latency);

        var rows = new List<CostRollupRow>();
        var series = new List<CostRollupRow>();
        CostRollupRow? totals = null;
        var byGroup = new Dictionary<GroupKey, CostRollupRow>();
        // Each finest latency cell counts towards its own row (series point, or group without a series), its
        // group's row when there is a series, and the totals; percentiles are taken from the summed histograms.
        var histograms = new Dictionary<GroupKey, long[]>();
        void AddCell(GroupKey key, int bucket, long count)
        {
            if (!histograms.TryGetValue(key, out var histogram))
            {
                histograms[key] = histogram = new long[LatencyHistogram.Buckets];
            }

            histogram[bucket] += count;
        }

        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            // SET LOCAL returns no rows; the sums come next.
            while (reader.FieldCount == 0 && await reader.NextResultAsync(cancellationToken))
            {
            }

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

            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var cell = GroupKey.Of(reader, reader.GetInt32(CostRollupSql.Kind));
                var bucket = Math.Clamp(reader.GetInt32(CostRollupSql.LatencyBucket) - 1, 0, LatencyHistogram.Buckets - 1);
                var count = reader.GetInt64(CostRollupSql.LatencyCount);
                AddCell(cell, bucket, count);
                if (cell.Kind == CostRollupSql.SeriesKind)
                {
                    AddCell(cell with { Kind = CostRollupSql.RowKind, BucketTicks = 0 }, bucket, count);
                }

                AddCell(GroupKey.Totals, bucket, count);
            }
        }

        foreach (var (key, histogram) in histograms)
        {
            if (byGroup.TryGetValue(key, out var row))
            {
                row.LatencyP50Us = LatencyHistogram.Percentile(histogram, 0.50);
                row.LatencyP95Us = LatencyHistogram.Percentile(histogram, 0.95);
                row.LatencyP99Us = LatencyHistogram.Percentile(histogram, 0.99);
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

    /// <summary>A dimension column: NULL where the grouping set rolled it up (rows of coarser sets).</summary>
    private static string Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? "" : reader.GetString(ordinal);

    /// <summary>Identifies one output row (series bucket, row or totals) in both statements.</summary>
    private readonly record struct GroupKey(int Kind, long BucketTicks, string Provider, string Model, string User,
        string ApiKey, string VirtualKey, string MetadataValue)
    {
        public static readonly GroupKey Totals = new(CostRollupSql.TotalsKind, 0, "", "", "", "", "", "");

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
