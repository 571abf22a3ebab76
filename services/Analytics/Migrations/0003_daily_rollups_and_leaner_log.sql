-- Per UTC day rollups, maintained at ingest in the same statement as the hourly ones, so a 30-day daily question
-- reads about 30 rows per group instead of 720 (per model) or one row per request (per user: the all-dimension hourly
-- rollup barely compresses when many users are active). The query planner reads these for the whole days of a range,
-- the hourly tables for whole hours at its edges, and the request log for the rest (CostRollupSql).
--
-- And two request log indexes fewer: each costs every ingested row an index insert.
-- * The metadata GIN index was the most expensive one. A metadata filter is always scoped to a tenant and a time
--   range (ListRequests pages newest first through the tenant/time index and stops after a page; GetCostRollup reads
--   the tenant's range), so it filters rows the tenant/time index already finds.
-- * Model has few distinct values per tenant, so a model filter matches a large share of the tenant/time index scan
--   anyway; the per-model rollups answer every aggregate question.

DROP INDEX usage_events_metadata_idx;
DROP INDEX usage_events_tenant_model_idx;

CREATE TABLE usage_rollup_model_daily (
    tenant_id           text NOT NULL,
    day                 timestamptz NOT NULL,       -- date_trunc('day', started_at, 'UTC')
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
    PRIMARY KEY (tenant_id, day, provider, model)
);

CREATE TABLE usage_rollup_model_latency_daily (
    tenant_id           text NOT NULL,
    day                 timestamptz NOT NULL,
    provider            text NOT NULL,
    model               text NOT NULL,
    bucket              integer NOT NULL,           -- analytics_latency_bucket
    requests            bigint NOT NULL,
    PRIMARY KEY (tenant_id, day, provider, model, bucket)
);

CREATE TABLE usage_rollup_user_daily (
    tenant_id           text NOT NULL,
    day                 timestamptz NOT NULL,
    requester           text NOT NULL,
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
    PRIMARY KEY (tenant_id, day, requester)
);

CREATE TABLE usage_rollup_user_latency_daily (
    tenant_id           text NOT NULL,
    day                 timestamptz NOT NULL,
    requester           text NOT NULL,
    bucket              integer NOT NULL,
    requests            bigint NOT NULL,
    PRIMARY KEY (tenant_id, day, requester, bucket)
);

-- Rows stored before this migration, from the hourly rollups (which hold every ingested row, including those that
-- retention has since deleted from the log).
INSERT INTO usage_rollup_model_daily
SELECT tenant_id, date_trunc('day', hour, 'UTC'), provider, model, sum(requests), sum(errors), sum(cache_hits),
       sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens),
       sum(cost_usd), sum(saved_cost_usd), sum(latency_sum_us)
FROM usage_rollup_model_hourly
GROUP BY 1, 2, 3, 4;

INSERT INTO usage_rollup_model_latency_daily
SELECT tenant_id, date_trunc('day', hour, 'UTC'), provider, model, bucket, sum(requests)
FROM usage_rollup_model_latency_hourly
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO usage_rollup_user_daily
SELECT tenant_id, date_trunc('day', hour, 'UTC'), requester, sum(requests), sum(errors), sum(cache_hits),
       sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens),
       sum(cost_usd), sum(saved_cost_usd), sum(latency_sum_us)
FROM usage_rollup_hourly
GROUP BY 1, 2, 3;

INSERT INTO usage_rollup_user_latency_daily
SELECT tenant_id, date_trunc('day', hour, 'UTC'), requester, bucket, sum(requests)
FROM usage_rollup_latency_hourly
GROUP BY 1, 2, 3, 4;
