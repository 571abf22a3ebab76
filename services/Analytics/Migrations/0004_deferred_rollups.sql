-- Deferred rollups. Upserting eight rollup tables inside every ingest statement capped ingest at a few thousand
-- events/s (nearly every event of a varied load is a new row in the finer rollups). The ingest statement now inserts
-- the raw rows and, in the same statement, a copy of each newly inserted event's rolled-up columns into this table;
-- a background roller (Rollups/RollupService) moves chunks of it into all the rollups, each chunk in one transaction.
-- Queries read the pending rows of the range they answer from rollups in the same statement as the rollups, so every
-- answer stays exact whether or not the roller has caught up. Retention deletes from usage_events only.
--
-- No indexes: each one would cost every ingested event an index insert. The roller takes rows in physical order
-- (by ctid), and a query scans the table whole, which holds a few seconds of ingest while the roller keeps up.
-- It is a queue: vacuum it after a fixed number of dead rows rather than a fraction of a size that swings from
-- zero to a chunk.
CREATE TABLE usage_rollup_pending (
    tenant_id           text NOT NULL,
    started_at          timestamptz NOT NULL,
    provider            text NOT NULL,
    model               text NOT NULL,
    requester           text NOT NULL,
    api_key_id          text NOT NULL,
    virtual_key_id      text NOT NULL,
    status_code         integer NOT NULL,
    cache_status        text NOT NULL,
    input_tokens        bigint NOT NULL,
    cached_input_tokens bigint NOT NULL,
    cache_write_tokens  bigint NOT NULL,
    output_tokens       bigint NOT NULL,
    reasoning_tokens    bigint NOT NULL,
    cost_usd            numeric NOT NULL,
    saved_cost_usd      numeric NOT NULL,
    latency_us          bigint NOT NULL
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000);
