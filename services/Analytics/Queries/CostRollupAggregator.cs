using System.Runtime.InteropServices;
using Gateway.Contracts.Analytics.V1;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace Gateway.Analytics.Queries;

/// <summary>Adds the finest cells of <see cref="CostRollupSql"/>'s two statements up into series points (per bucket
/// and group), rows (per group) and the totals, and orders them as the query always has: series by bucket, then rows
/// and points by cost (descending), then by the grouped names in the database's collation. Each distinct name gets a
/// small id and a group is a combination of ids, so a cell costs a lookup per grouped dimension and one per point,
/// not the hashing of six strings.</summary>
internal sealed class CostRollupAggregator
{
    private const int Buckets = LatencyHistogram.Buckets;

    private readonly RollupSpec _spec;
    private readonly int _dimensions;
    private readonly int _measures;
    private readonly Dictionary<string, int>[] _ids;
    private readonly List<string>[] _names;
    private readonly Dictionary<GroupIds, int> _groups = [];
    private readonly List<GroupIds> _groupIds = [];
    private readonly Dictionary<long, int> _bucketIndex = [];
    private readonly List<long> _bucketTicks = [];
    private readonly Dictionary<long, int> _pointIndex = [];
    private Point[] _points = new Point[256];
    private long[] _histograms = new long[256 * Buckets];
    private int _pointCount;
    private ((bool HasSums, RollupSums Sums)[] Sums, long[] Histograms)? _groupTotals;

    public CostRollupAggregator(RollupSpec spec)
    {
        _spec = spec;
        _dimensions = CostRollupSql.GroupedCount(spec);
        _measures = CostRollupSql.FirstDimension + _dimensions;
        _ids = new Dictionary<string, int>[_dimensions];
        _names = new List<string>[_dimensions];
        for (var d = 0; d < _dimensions; d++)
        {
            _ids[d] = new Dictionary<string, int>(StringComparer.Ordinal);
            _names[d] = [];
        }
    }

    private bool HasSeries => _spec.Granularity != RollupGranularity.None;

    /// <summary>Adds a row of the sums statement.</summary>
    public void AddSums(NpgsqlDataReader reader)
    {
        // PointOf may grow _points: index the array only after it returns.
        var index = PointOf(reader);
        ref var point = ref _points[index];
        point.HasSums = true;
        point.Sums.Add(reader, _measures);
    }

    /// <summary>Adds a row of the latency statement.</summary>
    public void AddLatency(NpgsqlDataReader reader)
    {
        var point = PointOf(reader);
        var bucket = Math.Clamp(reader.GetInt32(_measures + CostRollupSql.LatencyBucket) - 1, 0, Buckets - 1);
        checked
        {
            _histograms[(point * Buckets) + bucket] += reader.GetInt64(_measures + CostRollupSql.LatencyCount);
        }
    }

    /// <summary>Whether two rows, or two series points of one bucket, have the same cost: then their order depends on
    /// the collation order of their names (<see cref="GroupNames"/>), which only the database knows.</summary>
    public bool HasCostTies()
    {
        var (groupSums, _) = Groups();
        var costs = new HashSet<decimal>();
        for (var g = 0; g < groupSums.Length; g++)
        {
            if (groupSums[g].HasSums && !costs.Add(groupSums[g].Sums.CostUsd))
            {
                return true;
            }
        }

        if (!HasSeries)
        {
            return false;
        }

        var points = new HashSet<(int Bucket, decimal Cost)>();
        for (var p = 0; p < _pointCount; p++)
        {
            if (_points[p].HasSums && !points.Add((_points[p].Bucket, _points[p].Sums.CostUsd)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Per grouped dimension (in <see cref="CostRollupSql.Dimensions"/> order), every group's name, indexed
    /// by group.</summary>
    public IReadOnlyList<string[]> GroupNames()
    {
        var names = new List<string[]>(_dimensions);
        for (var d = 0; d < _dimensions; d++)
        {
            var column = new string[_groupIds.Count];
            for (var g = 0; g < column.Length; g++)
            {
                column[g] = _names[d][_groupIds[g][d]];
            }

            names.Add(column);
        }

        return names;
    }

    /// <summary>The rollup. <paramref name="collationRanks"/> (each group's position when sorted by name in the
    /// database's collation) orders entries of equal cost; it may be null when <see cref="HasCostTies"/> is
    /// false.</summary>
    public CostRollup Build(int[]? collationRanks)
    {
        var (groupSums, groupHistograms) = Groups();
        int Rank(int group) => collationRanks is null ? group : collationRanks[group];

        var rowGroups = new List<int>(groupSums.Length);
        var totals = default(RollupSums);
        var totalHistogram = new long[Buckets];
        for (var g = 0; g < groupSums.Length; g++)
        {
            if (groupSums[g].HasSums)
            {
                rowGroups.Add(g);
                totals.Add(groupSums[g].Sums);
                AddHistogram(totalHistogram, groupHistograms.AsSpan(g * Buckets, Buckets));
            }
        }

        rowGroups.Sort((a, b) =>
        {
            var byCost = groupSums[b].Sums.CostUsd.CompareTo(groupSums[a].Sums.CostUsd);
            return byCost != 0 ? byCost : Rank(a).CompareTo(Rank(b));
        });
        var rows = new List<CostRollupRow>(rowGroups.Count);
        foreach (var g in rowGroups)
        {
            rows.Add(Named(groupSums[g].Sums.ToRow(groupHistograms.AsSpan(g * Buckets, Buckets)), g));
        }

        var series = new List<CostRollupRow>();
        if (HasSeries)
        {
            var points = new List<int>(_pointCount);
            for (var p = 0; p < _pointCount; p++)
            {
                if (_points[p].HasSums)
                {
                    points.Add(p);
                }
            }

            points.Sort((a, b) =>
            {
                ref readonly var x = ref _points[a];
                ref readonly var y = ref _points[b];
                var byBucket = _bucketTicks[x.Bucket].CompareTo(_bucketTicks[y.Bucket]);
                if (byBucket != 0)
                {
                    return byBucket;
                }

                var byCost = y.Sums.CostUsd.CompareTo(x.Sums.CostUsd);
                return byCost != 0 ? byCost : Rank(x.Group).CompareTo(Rank(y.Group));
            });
            series.Capacity = points.Count;
            foreach (var p in points)
            {
                ref readonly var point = ref _points[p];
                var row = Named(point.Sums.ToRow(_histograms.AsSpan(p * Buckets, Buckets)), point.Group);
                row.BucketStart = Timestamp.FromDateTime(new DateTime(_bucketTicks[point.Bucket], DateTimeKind.Utc));
                series.Add(row);
            }
        }

        return new CostRollup(rows, series, totals.ToRow(totalHistogram));
    }

    /// <summary>The sums and histograms per group: the points' own without a series (one point per group), else
    /// the sum of the group's points. Added up once, after the last cell (both <see cref="HasCostTies"/> and
    /// <see cref="Build"/> read them).</summary>
    private ((bool HasSums, RollupSums Sums)[] Sums, long[] Histograms) Groups() => _groupTotals ??= SumGroups();

    private ((bool HasSums, RollupSums Sums)[] Sums, long[] Histograms) SumGroups()
    {
        var sums = new (bool HasSums, RollupSums Sums)[_groupIds.Count];
        var histograms = new long[_groupIds.Count * Buckets];
        for (var p = 0; p < _pointCount; p++)
        {
            ref readonly var point = ref _points[p];
            if (point.HasSums)
            {
                sums[point.Group].HasSums = true;
                sums[point.Group].Sums.Add(point.Sums);
            }

            AddHistogram(histograms.AsSpan(point.Group * Buckets, Buckets), _histograms.AsSpan(p * Buckets, Buckets));
        }

        return (sums, histograms);
    }

    private static void AddHistogram(Span<long> target, ReadOnlySpan<long> source)
    {
        checked
        {
            for (var i = 0; i < target.Length; i++)
            {
                target[i] += source[i];
            }
        }
    }

    private CostRollupRow Named(CostRollupRow row, int group)
    {
        var d = 0;
        foreach (var (dimension, _) in CostRollupSql.Dimensions)
        {
            if (!_spec.GroupBy.HasFlag(dimension))
            {
                continue;
            }

            var name = _names[d][_groupIds[group][d]];
            d++;
            switch (dimension)
            {
                case RollupDimensions.Provider:
                    row.Provider = name;
                    break;
                case RollupDimensions.Model:
                    row.Model = name;
                    break;
                case RollupDimensions.User:
                    row.User = name;
                    break;
                case RollupDimensions.ApiKey:
                    row.ApiKeyId = name;
                    break;
                case RollupDimensions.VirtualKey:
                    row.VirtualKeyId = name;
                    break;
                default:
                    row.MetadataValue = name;
                    break;
            }
        }

        return row;
    }

    private int PointOf(NpgsqlDataReader reader)
    {
        var bucket = HasSeries ? BucketOf(reader.GetDateTime(CostRollupSql.Time)) : 0;
        var group = GroupOf(reader);
        ref var point = ref CollectionsMarshal.GetValueRefOrAddDefault(_pointIndex, ((long)bucket << 32) | (uint)group, out var exists);
        if (!exists)
        {
            point = _pointCount;
            if (_pointCount == _points.Length)
            {
                Array.Resize(ref _points, _points.Length * 2);
                Array.Resize(ref _histograms, _points.Length * Buckets);
            }

            _points[_pointCount++] = new Point { Group = group, Bucket = bucket };
        }

        return point;
    }

    /// <summary>The index of the series bucket <paramref name="time"/> falls in (UTC).</summary>
    private int BucketOf(DateTime time)
    {
        var ticks = _spec.Granularity switch
        {
            RollupGranularity.Hour => time.Ticks - (time.Ticks % TimeSpan.TicksPerHour),
            RollupGranularity.Day => time.Ticks - (time.Ticks % TimeSpan.TicksPerDay),
            _ => new DateTime(time.Year, time.Month, 1, 0, 0, 0, DateTimeKind.Utc).Ticks,
        };
        ref var index = ref CollectionsMarshal.GetValueRefOrAddDefault(_bucketIndex, ticks, out var exists);
        if (!exists)
        {
            index = _bucketTicks.Count;
            _bucketTicks.Add(ticks);
        }

        return index;
    }

    private int GroupOf(NpgsqlDataReader reader)
    {
        Span<int> ids = stackalloc int[6];
        for (var d = 0; d < _dimensions; d++)
        {
            var name = reader.GetString(CostRollupSql.FirstDimension + d);
            ref var id = ref CollectionsMarshal.GetValueRefOrAddDefault(_ids[d], name, out var exists);
            if (!exists)
            {
                id = _names[d].Count;
                _names[d].Add(name);
            }

            ids[d] = id;
        }

        var key = new GroupIds(ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]);
        ref var group = ref CollectionsMarshal.GetValueRefOrAddDefault(_groups, key, out var known);
        if (!known)
        {
            group = _groupIds.Count;
            _groupIds.Add(key);
        }

        return group;
    }

    private struct Point
    {
        public int Group;
        public int Bucket;
        public bool HasSums;
        public RollupSums Sums;
    }

    /// <summary>A group: one name id per grouped dimension (at most six; the rest 0).</summary>
    private readonly record struct GroupIds(int D0, int D1, int D2, int D3, int D4, int D5)
    {
        public int this[int dimension] => dimension switch
        {
            0 => D0,
            1 => D1,
            2 => D2,
            3 => D3,
            4 => D4,
            _ => D5,
        };
    }
}
