using Gateway.Contracts.Usage.V1;
using Npgsql;
using NpgsqlTypes;

namespace Gateway.Analytics.Ingest;

/// <summary>A validated batch laid out column by column, ready to be sent as one array parameter per column (the
/// insert unnests them), so a batch of any size is one statement and one round trip. The jsonb columns point into a
/// pooled buffer: dispose only after the statement has run.</summary>
internal sealed class UsageColumns : IDisposable
{
    private readonly UsageJson _json;

    private UsageColumns(int count)
    {
        _json = new UsageJson(count);
        EventIds = new Guid[count];
        TenantIds = new string[count];
        ApiKeyIds = new string[count];
        VirtualKeyIds = new string[count];
        Requesters = new string[count];
        Metadata = new ReadOnlyMemory<byte>[count];
        Providers = new string[count];
        Models = new string[count];
        Endpoints = new string[count];
        Streams = new bool[count];
        StatusCodes = new int[count];
        ErrorTypes = new string[count];
        CacheStatuses = new string[count];
        InputTokens = new long[count];
        CachedInputTokens = new long[count];
        CacheWriteTokens = new long[count];
        OutputTokens = new long[count];
        ReasoningTokens = new long[count];
        TokensEstimated = new bool[count];
        CostsUsd = new decimal[count];
        SavedCostsUsd = new decimal[count];
        PriceVersions = new string[count];
        Priced = new bool[count];
        StartedAt = new DateTime[count];
        LatenciesUs = new long[count];
        TimesToFirstByteUs = new long[count];
        TraceIds = new string[count];
        Attempts = new ReadOnlyMemory<byte>[count];
    }

    public Guid[] EventIds { get; }
    public string[] TenantIds { get; }
    public string[] ApiKeyIds { get; }
    public string[] VirtualKeyIds { get; }
    public string[] Requesters { get; }
    public ReadOnlyMemory<byte>[] Metadata { get; }
    public string[] Providers { get; }
    public string[] Models { get; }
    public string[] Endpoints { get; }
    public bool[] Streams { get; }
    public int[] StatusCodes { get; }
    public string[] ErrorTypes { get; }
    public string[] CacheStatuses { get; }
    public long[] InputTokens { get; }
    public long[] CachedInputTokens { get; }
    public long[] CacheWriteTokens { get; }
    public long[] OutputTokens { get; }
    public long[] ReasoningTokens { get; }
    public bool[] TokensEstimated { get; }
    public decimal[] CostsUsd { get; }
    public decimal[] SavedCostsUsd { get; }
    public string[] PriceVersions { get; }
    public bool[] Priced { get; }
    public DateTime[] StartedAt { get; }
    public long[] LatenciesUs { get; }
    public long[] TimesToFirstByteUs { get; }
    public string[] TraceIds { get; }
    public ReadOnlyMemory<byte>[] Attempts { get; }

    /// <summary>Validates every event (throwing <see cref="InvalidUsageException"/> for the first bad one) and
    /// lays the batch out in columns, ordered by event id: concurrent batches with overlapping events then take
    /// their row locks in the same order and cannot deadlock on each other.</summary>
    public static UsageColumns FromBatch(UsageBatch batch)
    {
        var events = batch.Events;
        var parsed = new ValidatedUsageEvent[events.Count];
        var order = new int[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            parsed[i] = UsageEventValidator.Validate(events[i], i);
            order[i] = i;
        }

        Array.Sort(order, (a, b) => parsed[a].EventId.CompareTo(parsed[b].EventId));
        var columns = new UsageColumns(events.Count);
        var json = columns._json;
        // Where each event's jsonb text lies; turned into slices once the buffer has stopped growing.
        var metadata = new JsonText[events.Count];
        var attempts = new JsonText[events.Count];
        for (var i = 0; i < order.Length; i++)
        {
            var usage = events[order[i]];
            var valid = parsed[order[i]];
            columns.EventIds[i] = valid.EventId;
            columns.TenantIds[i] = usage.TenantId;
            columns.ApiKeyIds[i] = usage.ApiKeyId;
            columns.VirtualKeyIds[i] = usage.VirtualKeyId;
            columns.Requesters[i] = usage.User;
            metadata[i] = json.Metadata(usage.Metadata);
            columns.Providers[i] = usage.Provider;
            columns.Models[i] = usage.Model;
            columns.Endpoints[i] = usage.Endpoint;
            columns.Streams[i] = usage.Stream;
            columns.StatusCodes[i] = usage.StatusCode;
            columns.ErrorTypes[i] = usage.ErrorType;
            columns.CacheStatuses[i] = usage.CacheStatus;
            columns.InputTokens[i] = usage.InputTokens;
            columns.CachedInputTokens[i] = usage.CachedInputTokens;
            columns.CacheWriteTokens[i] = usage.CacheWriteTokens;
            columns.OutputTokens[i] = usage.OutputTokens;
            columns.ReasoningTokens[i] = usage.ReasoningTokens;
            columns.TokensEstimated[i] = usage.TokensEstimated;
            columns.CostsUsd[i] = valid.CostUsd;
            columns.SavedCostsUsd[i] = valid.SavedCostUsd;
            columns.PriceVersions[i] = usage.PriceVersion;
            columns.Priced[i] = usage.Priced;
            columns.StartedAt[i] = valid.StartedAt;
            columns.LatenciesUs[i] = usage.LatencyUs;
            columns.TimesToFirstByteUs[i] = usage.TimeToFirstByteUs;
            columns.TraceIds[i] = usage.TraceId;
            attempts[i] = json.Attempts(usage.Attempts);
        }

        for (var i = 0; i < order.Length; i++)
        {
            columns.Metadata[i] = json.Bytes(metadata[i]);
            columns.Attempts[i] = json.Bytes(attempts[i]);
        }

        return columns;
    }

    public void Dispose() => _json.Dispose();

    /// <summary>Adds the columns as positional parameters, in the order of <see cref="UsageIngestor"/>'s insert.</summary>
    public void AddParameters(NpgsqlParameterCollection parameters)
    {
        Add(parameters, EventIds, NpgsqlDbType.Uuid);
        Add(parameters, TenantIds, NpgsqlDbType.Text);
        Add(parameters, ApiKeyIds, NpgsqlDbType.Text);
        Add(parameters, VirtualKeyIds, NpgsqlDbType.Text);
        Add(parameters, Requesters, NpgsqlDbType.Text);
        Add(parameters, Metadata, NpgsqlDbType.Jsonb);
        Add(parameters, Providers, NpgsqlDbType.Text);
        Add(parameters, Models, NpgsqlDbType.Text);
        Add(parameters, Endpoints, NpgsqlDbType.Text);
        Add(parameters, Streams, NpgsqlDbType.Boolean);
        Add(parameters, StatusCodes, NpgsqlDbType.Integer);
        Add(parameters, ErrorTypes, NpgsqlDbType.Text);
        Add(parameters, CacheStatuses, NpgsqlDbType.Text);
        Add(parameters, InputTokens, NpgsqlDbType.Bigint);
        Add(parameters, CachedInputTokens, NpgsqlDbType.Bigint);
        Add(parameters, CacheWriteTokens, NpgsqlDbType.Bigint);
        Add(parameters, OutputTokens, NpgsqlDbType.Bigint);
        Add(parameters, ReasoningTokens, NpgsqlDbType.Bigint);
        Add(parameters, TokensEstimated, NpgsqlDbType.Boolean);
        Add(parameters, CostsUsd, NpgsqlDbType.Numeric);
        Add(parameters, SavedCostsUsd, NpgsqlDbType.Numeric);
        Add(parameters, PriceVersions, NpgsqlDbType.Text);
        Add(parameters, Priced, NpgsqlDbType.Boolean);
        Add(parameters, StartedAt, NpgsqlDbType.TimestampTz);
        Add(parameters, LatenciesUs, NpgsqlDbType.Bigint);
        Add(parameters, TimesToFirstByteUs, NpgsqlDbType.Bigint);
        Add(parameters, TraceIds, NpgsqlDbType.Text);
        Add(parameters, Attempts, NpgsqlDbType.Jsonb);
    }

    private static void Add<T>(NpgsqlParameterCollection parameters, T[] values, NpgsqlDbType elementType) =>
        parameters.Add(new NpgsqlParameter<T[]> { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | elementType });
}
