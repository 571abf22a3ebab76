using Gateway.Contracts;
using Gateway.Contracts.Analytics.V1;
using Npgsql;

namespace Gateway.Analytics.Queries;

/// <summary>The measures of one series point, row or the totals, added up from source cells. Counts are checked (an
/// overflow fails the query, as the database's bigint sums did). Money is decimal: every stored amount is a
/// non-negative System.Decimal, so when the total fits one exactly (as the database's numeric sum had to, or Npgsql
/// refused to read it), every partial sum does too and the result is exact whatever the order of the additions. A sum
/// that would need more digits than a decimal holds fails the query instead of being rounded (<see cref="Money"/>).</summary>
internal struct RollupSums
{
    public long Requests;
    public long Errors;
    public long CacheHits;
    public long InputTokens;
    public long CachedInputTokens;
    public long CacheWriteTokens;
    public long OutputTokens;
    public long ReasoningTokens;
    public decimal CostUsd;
    public decimal SavedCostUsd;
    public long LatencySumUs;

    /// <summary>Adds the measures of a sums statement row whose measures start at <paramref name="first"/>.</summary>
    public void Add(NpgsqlDataReader reader, int first)
    {
        checked
        {
            Requests += reader.GetInt64(first + CostRollupSql.Requests);
            Errors += reader.GetInt64(first + CostRollupSql.Errors);
            CacheHits += reader.GetInt64(first + CostRollupSql.CacheHits);
            InputTokens += reader.GetInt64(first + CostRollupSql.InputTokens);
            CachedInputTokens += reader.GetInt64(first + CostRollupSql.CachedInputTokens);
            CacheWriteTokens += reader.GetInt64(first + CostRollupSql.CacheWriteTokens);
            OutputTokens += reader.GetInt64(first + CostRollupSql.OutputTokens);
            ReasoningTokens += reader.GetInt64(first + CostRollupSql.ReasoningTokens);
            CostUsd = Money(CostUsd, reader.GetDecimal(first + CostRollupSql.CostUsd));
            SavedCostUsd = Money(SavedCostUsd, reader.GetDecimal(first + CostRollupSql.SavedCostUsd));
            LatencySumUs += reader.GetInt64(first + CostRollupSql.LatencySumUs);
        }
    }

    public void Add(in RollupSums other)
    {
        checked
        {
            Requests += other.Requests;
            Errors += other.Errors;
            CacheHits += other.CacheHits;
            InputTokens += other.InputTokens;
            CachedInputTokens += other.CachedInputTokens;
            CacheWriteTokens += other.CacheWriteTokens;
            OutputTokens += other.OutputTokens;
            ReasoningTokens += other.ReasoningTokens;
            CostUsd = Money(CostUsd, other.CostUsd);
            SavedCostUsd = Money(SavedCostUsd, other.SavedCostUsd);
            LatencySumUs += other.LatencySumUs;
        }
    }

    /// <summary>a + b, exactly. Decimal addition keeps the larger scale of its operands unless the result then needs
    /// more than 96 bits; it then rounds to a smaller scale, which loses nothing when the digits below that scale add
    /// up to a whole unit of it or to nothing (numeric sums of amounts with long zero tails do that all the time). Any
    /// other rounding is refused, as Npgsql refuses a numeric it cannot hold.</summary>
    private static decimal Money(decimal a, decimal b)
    {
        var sum = a + b;
        var scale = sum.Scale;
        if (scale >= Math.Max(a.Scale, b.Scale))
        {
            return sum;
        }

        // The parts of a and b below the result's scale: each under one unit of it, so their sum is exact.
        var tails = (a - decimal.Round(a, scale, MidpointRounding.ToZero)) + (b - decimal.Round(b, scale, MidpointRounding.ToZero));
        return decimal.Round(tails, scale, MidpointRounding.ToZero) == tails
            ? sum
            : throw new OverflowException("A money sum does not fit in a System.Decimal exactly.");
    }

    /// <summary>An output row with these measures and the percentiles of <paramref name="histogram"/>.</summary>
    public readonly CostRollupRow ToRow(ReadOnlySpan<long> histogram)
    {
        var (p50, p95, p99) = LatencyHistogram.Percentiles(histogram);
        return new CostRollupRow
        {
            Requests = Requests,
            Errors = Errors,
            CacheHits = CacheHits,
            InputTokens = InputTokens,
            CachedInputTokens = CachedInputTokens,
            CacheWriteTokens = CacheWriteTokens,
            OutputTokens = OutputTokens,
            ReasoningTokens = ReasoningTokens,
            CostUsd = ExactDecimal.ToText(CostUsd),
            SavedCostUsd = ExactDecimal.ToText(SavedCostUsd),
            LatencySumUs = LatencySumUs,
            LatencyP50Us = p50,
            LatencyP95Us = p95,
            LatencyP99Us = p99,
        };
    }
}
