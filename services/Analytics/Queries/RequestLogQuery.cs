using System.Text;
using Gateway.Contracts.Usage.V1;
using Npgsql;

namespace Gateway.Analytics.Queries;

/// <summary>One page of the request log, newest first, by keyset paging on (started_at, event_id) through the
/// (tenant_id, started_at DESC, event_id DESC) index.</summary>
internal sealed class RequestLogQuery(NpgsqlDataSource dataSource)
{
    public async Task<(IReadOnlyList<UsageEvent> Requests, RequestCursor? Next)> RunAsync(RequestLogFilter filter,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        var p = new SqlParameters(command.Parameters);
        var where = new StringBuilder($"tenant_id = {p.Add(filter.TenantId)}");
        if (filter.Start is { } start)
        {
            where.Append($" AND started_at >= {p.Add(start)}");
        }

        if (filter.End is { } end)
        {
            where.Append($" AND started_at < {p.Add(end)}");
        }

        if (filter.User.Length > 0)
        {
            where.Append($" AND requester = {p.Add(filter.User)}");
        }

        if (filter.Metadata.Count > 0)
        {
            where.Append($" AND metadata @> {p.Jsonb(CostRollupSql.MetadataJson(filter.Metadata))}");
        }

        if (filter.Model.Length > 0)
        {
            where.Append($" AND model = {p.Add(filter.Model)}");
        }

        if (filter.Provider.Length > 0)
        {
            where.Append($" AND provider = {p.Add(filter.Provider)}");
        }

        if (filter.StatusCode != 0)
        {
            where.Append($" AND status_code = {p.Add(filter.StatusCode)}");
        }

        if (filter.ErrorsOnly)
        {
            where.Append(" AND status_code >= 400");
        }

        if (filter.Cached is { } cached)
        {
            where.Append(cached ? " AND cache_status = 'HIT'" : " AND cache_status <> 'HIT'");
        }

        if (filter.TraceId.Length > 0)
        {
            where.Append($" AND trace_id = {p.Add(filter.TraceId)}");
        }

        if (filter.After is { } after)
        {
            where.Append($" AND (started_at, event_id) < ({p.Add(after.StartedAt)}, {p.Add(after.EventId)})");
        }

        // One row more than the page tells whether another page follows.
        command.CommandText = $"""
            SELECT event_id, tenant_id, api_key_id, virtual_key_id, requester, metadata::text, provider, model, endpoint,
                   stream, status_code, error_type, cache_status, input_tokens, cached_input_tokens, cache_write_tokens,
                   output_tokens, reasoning_tokens, tokens_estimated, cost_usd, saved_cost_usd, price_version, priced,
                   started_at, latency_us, time_to_first_byte_us, trace_id, attempts::text
            FROM usage_events
            WHERE {where}
            ORDER BY started_at DESC, event_id DESC
            LIMIT {p.Add(filter.PageSize + 1)}
            """;

        var requests = new List<UsageEvent>(filter.PageSize);
        RequestCursor? next = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (requests.Count == filter.PageSize)
            {
                var last = requests[^1];
                next = new RequestCursor(last.StartedAt.ToDateTime(), Guid.Parse(last.EventId));
                break;
            }

            requests.Add(RequestLogRow.Read(reader));
        }

        return (requests, next);
    }
}
