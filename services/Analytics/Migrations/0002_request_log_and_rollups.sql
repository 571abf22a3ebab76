-- usage_events is the request log; this adds the indexes its query API filters on, and the hourly rollups that the
-- ingest statement maintains in the same transaction as the raw insert, so dashboards never scan raw rows for
-- standard questions. Retention deletes old raw rows only; rollups are kept.

-- Newest-first paging with a (started_at, event_id) cursor, and every tenant-scoped time range.
DROP INDEX usage_events_tenant_started_idx;
CREATE INDEX usage_events_tenant_time_idx ON usage_events (tenant_id, started_at DESC, event_id DESC);
CREATE INDEX usage_events_tenant_trace_idx ON usage_events (tenant_id, trace_id);
CREATE INDEX usage_events_tenant_user_idx ON usage_events (tenant_id, requester, started_at DESC);
CREATE INDEX usage_events_tenant_model_idx ON usage_events (tenant_id, model, started_at DESC);
-- metadata @> '{"key":"value"}'
CREATE INDEX usage_events_metadata_idx ON usage_events USING gin (metadata jsonb_path_ops);
-- Retention deletes by age across tenants; rows arrive roughly in time order, so a BRIN index is enough and costs
-- ingest almost nothing.
CREATE INDEX usage_events_started_brin_idx ON usage_events USING brin (started_at);

-- Latency histogram buckets: 82 fixed log-spaced buckets, numbered from 1:
--   1: below 1 ms;  k + 2 (k = 0..79): [1 ms * 2^(k/4), 1 ms * 2^((k+1)/4));  82: from 1 ms * 2^20 (about 17.5 min).
-- Neighbouring edges differ by 2^(1/4) (about 19%), so a percentile reported as a bucket's geometric middle is within
-- 2^(1/8) - 1 (about 9%) of the true value. LatencyHistogram.cs reads the same layout. A plain SQL expression, so
-- the planner inlines it (no function call per row).
CREATE FUNCTION analytics_latency_bucket(latency_us bigint) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN latency_us < 1000 THEN 1
                ELSE least(82, 2 + floor(4 * ln(latency_us::float8 / 1000) / ln(2::float8))::integer) END
$$;

-- One row per UTC hour and combination of the dimensions; measures are sums (money exact as numeric).
CREATE TABLE usage_rollup_hourly (
    tenant_id           text NOT NULL,
    hour                timestamptz NOT NULL,
    provider            text NOT NULL,
    model               text NOT NULL,
    requester           text NOT NULL,
    api_key_id          text NOT NULL,
    virtual_key_id      text NOT NULL,
    requests            bigint NOT NULL,
    errors              bigint NOT NULL,            -- status_code >= 400
    cache_hits          bigint NOT NULL,            -- cache_status = 'HIT'
    input_tokens        bigint NOT NULL,
    cached_input_tokens bigint NOT NULL,
    cache_write_tokens  bigint NOT NULL,
    output_tokens       bigint NOT NULL,
    reasoning_tokens    bigint NOT NULL,
    cost_usd            numeric NOT NULL,
    saved_cost_usd      numeric NOT NULL,
    latency_sum_us      bigint NOT NULL,
    PRIMARY KEY (tenant_id, hour, provider, model, requester, api_key_id, virtual_key_id)
);

-- The latency histogram of the same groups, one row per non-empty bucket (sparse: most groups of an hour hold a few
-- buckets). Plain rows rather than an array column, so that ingest and queries use only built-in sums.
CREATE TABLE usage_rollup_latency_hourly (
    tenant_id           text NOT NULL,
    hour                timestamptz NOT NULL,
    provider            text NOT NULL,
    model               text NOT NULL,
    requester           text NOT NULL,
    api_key_id          text NOT NULL,
    virtual_key_id      text NOT NULL,
    bucket              integer NOT NULL,           -- analytics_latency_bucket
    requests            bigint NOT NULL,
    PRIMARY KEY (tenant_id, hour, provider, model, requester, api_key_id, virtual_key_id, bucket)
);

-- The same per UTC hour, provider and model only: the common "spend by model" questions read one row per model and
-- hour instead of one per model, user and key (which barely compress when many users are active).
CREATE TABLE usage_rollup_model_hourly (
    tenant_id           text NOT NULL,
    hour                timestamptz NOT NULL,
    provider            text NOT NULL,
    model               text NOT NULL,
    requests            bigint NOT NULL,
    errors              bigint NOT NULL,
    cache_hits          bigint NOT NULL,
    input_tokens        bigint NOT NULL,
    cached_input_tokens bigint NOT NULL,
    cache_write_tokens  bigint NOT NULL,
    output_tokens       bigint NOT NULL,
    reasoning_tokens    bigint NOT NULL,
    cost_usd            numeric NOT NULL,
    saved_cost_usd      numeric NOT NULL,
    latency_sum_us      bigint NOT NULL,
    PRIMARY KEY (tenant_id, hour, provider, model)
);

CREATE TABLE usage_rollup_model_latency_hourly (
    tenant_id           text NOT NULL,
    hour                timestamptz NOT NULL,
    provider            text NOT NULL,
    model               text NOT NULL,
    bucket              integer NOT NULL,
    requests            bigint NOT NULL,
    PRIMARY KEY (tenant_id, hour, provider, model, bucket)
);

-- Rows stored before this migration.
INSERT INTO usage_rollup_hourly
SELECT tenant_id, date_trunc('hour', started_at, 'UTC'), provider, model, requester, api_key_id, virtual_key_id,
       count(*), count(*) FILTER (WHERE status_code >= 400), count(*) FILTER (WHERE cache_status = 'HIT'),
       sum(input_tokens)::bigint, sum(cached_input_tokens)::bigint, sum(cache_write_tokens)::bigint,
       sum(output_tokens)::bigint, sum(reasoning_tokens)::bigint, sum(cost_usd), sum(saved_cost_usd),
       sum(latency_us)::bigint
FROM usage_events
GROUP BY 1, 2, 3, 4, 5, 6, 7;

INSERT INTO usage_rollup_latency_hourly
SELECT tenant_id, date_trunc('hour', started_at, 'UTC'), provider, model, requester, api_key_id, virtual_key_id,
       analytics_latency_bucket(latency_us), count(*)
FROM usage_events
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

INSERT INTO usage_rollup_model_hourly
SELECT tenant_id, hour, provider, model, sum(requests), sum(errors), sum(cache_hits), sum(input_tokens),
       sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens), sum(cost_usd),
       sum(saved_cost_usd), sum(latency_sum_us)
FROM usage_rollup_hourly
GROUP BY 1, 2, 3, 4;

INSERT INTO usage_rollup_model_latency_hourly
SELECT tenant_id, hour, provider, model, bucket, sum(requests)
FROM usage_rollup_latency_hourly
GROUP BY 1, 2, 3, 4, 5;
