-- Each rollup row carries its own latency histogram, instead of a separate table holding one row per group AND
-- non-empty bucket. With many users and keys nearly every event was a new row in the all-dimension hourly latency
-- table and in the per-user daily one (the latter with a second, covering index, migration 0005): the roller wrote
-- about 3.6 rows (heap tuple, long-key btree entry, WAL) per event. Now it upserts four tables instead of eight,
-- about 1.6 rows per event (prototype on 20,000-event chunks of the benchmark's shape: PostgreSQL CPU per event
-- 96-106 µs before, 49-59 µs after). A by-user month reads ~6,000 rows of one tenant instead of ~57,000 cells.
--
-- The histogram is two arrays of equal length, cell by cell: latency_buckets (analytics_latency_bucket, 1..82) and
-- latency_counts (requests in that bucket). A bucket MAY occur more than once: the roller appends a pass's cells to
-- the stored ones with a plain array concatenation (no per-row function call, which cost more than the row write it
-- saved) and merges the cells (one per bucket, ascending) only when the arrays would grow past a bound (see
-- Rollups/RollupSql.cs). The histogram is the sum of the counts per bucket; readers unnest the cells and add them up.

-- The cells merged: each bucket once, ascending, with the sum of its counts. The two functions return the same
-- order, so their results stay aligned cell by cell. A sum past bigint fails (nothing is ever rounded).
CREATE FUNCTION analytics_histogram_merged_buckets(buckets integer[]) RETURNS integer[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT array_agg(DISTINCT b ORDER BY b) FROM unnest(buckets) AS b
$$;

CREATE FUNCTION analytics_histogram_merged_counts(buckets integer[], counts bigint[]) RETURNS bigint[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT array_agg(n ORDER BY b)
    FROM (SELECT b, sum(c)::bigint AS n FROM unnest(buckets, counts) AS cell(b, c) GROUP BY b) AS merged
$$;

ALTER TABLE usage_rollup_hourly ADD COLUMN latency_buckets integer[], ADD COLUMN latency_counts bigint[];
ALTER TABLE usage_rollup_model_hourly ADD COLUMN latency_buckets integer[], ADD COLUMN latency_counts bigint[];
ALTER TABLE usage_rollup_model_daily ADD COLUMN latency_buckets integer[], ADD COLUMN latency_counts bigint[];
ALTER TABLE usage_rollup_user_daily ADD COLUMN latency_buckets integer[], ADD COLUMN latency_counts bigint[];

-- Rows stored before this migration: each group's cells from its latency table (one row per bucket there).
UPDATE usage_rollup_hourly AS r
SET latency_buckets = l.buckets, latency_counts = l.counts
FROM (SELECT tenant_id, hour, provider, model, requester, api_key_id, virtual_key_id,
             array_agg(bucket ORDER BY bucket) AS buckets, array_agg(requests ORDER BY bucket) AS counts
      FROM usage_rollup_latency_hourly
      GROUP BY 1, 2, 3, 4, 5, 6, 7) AS l
WHERE (r.tenant_id, r.hour, r.provider, r.model, r.requester, r.api_key_id, r.virtual_key_id)
    = (l.tenant_id, l.hour, l.provider, l.model, l.requester, l.api_key_id, l.virtual_key_id);

UPDATE usage_rollup_model_hourly AS r
SET latency_buckets = l.buckets, latency_counts = l.counts
FROM (SELECT tenant_id, hour, provider, model,
             array_agg(bucket ORDER BY bucket) AS buckets, array_agg(requests ORDER BY bucket) AS counts
      FROM usage_rollup_model_latency_hourly
      GROUP BY 1, 2, 3, 4) AS l
WHERE (r.tenant_id, r.hour, r.provider, r.model) = (l.tenant_id, l.hour, l.provider, l.model);

UPDATE usage_rollup_model_daily AS r
SET latency_buckets = l.buckets, latency_counts = l.counts
FROM (SELECT tenant_id, day, provider, model,
             array_agg(bucket ORDER BY bucket) AS buckets, array_agg(requests ORDER BY bucket) AS counts
      FROM usage_rollup_model_latency_daily
      GROUP BY 1, 2, 3, 4) AS l
WHERE (r.tenant_id, r.day, r.provider, r.model) = (l.tenant_id, l.day, l.provider, l.model);

UPDATE usage_rollup_user_daily AS r
SET latency_buckets = l.buckets, latency_counts = l.counts
FROM (SELECT tenant_id, day, requester,
             array_agg(bucket ORDER BY bucket) AS buckets, array_agg(requests ORDER BY bucket) AS counts
      FROM usage_rollup_user_latency_daily
      GROUP BY 1, 2, 3) AS l
WHERE (r.tenant_id, r.day, r.requester) = (l.tenant_id, l.day, l.requester);

-- Lose nothing: every row's histogram holds exactly its requests, and every latency cell found its row (the totals
-- agree). Otherwise the migration fails and rolls back, and the old tables stay.
DO $$
DECLARE
    rollup record;
    bad bigint;
    cells numeric;
    rows_total numeric;
BEGIN
    FOR rollup IN SELECT * FROM (VALUES
        ('usage_rollup_hourly', 'usage_rollup_latency_hourly'),
        ('usage_rollup_model_hourly', 'usage_rollup_model_latency_hourly'),
        ('usage_rollup_model_daily', 'usage_rollup_model_latency_daily'),
        ('usage_rollup_user_daily', 'usage_rollup_user_latency_daily')) AS t(sums, latency)
    LOOP
        EXECUTE format('SELECT count(*) FROM %I WHERE latency_counts IS NULL
                            OR requests <> (SELECT sum(c) FROM unnest(latency_counts) AS c)', rollup.sums) INTO bad;
        EXECUTE format('SELECT coalesce(sum(requests), 0) FROM %I', rollup.sums) INTO rows_total;
        EXECUTE format('SELECT coalesce(sum(requests), 0) FROM %I', rollup.latency) INTO cells;
        IF bad <> 0 OR rows_total <> cells THEN
            RAISE EXCEPTION '%: % rows whose histogram does not hold their requests; % requests in rows, % in %',
                rollup.sums, bad, rows_total, cells, rollup.latency;
        END IF;
    END LOOP;
END
$$;

ALTER TABLE usage_rollup_hourly
    ALTER COLUMN latency_buckets SET NOT NULL, ALTER COLUMN latency_counts SET NOT NULL,
    ADD CONSTRAINT usage_rollup_hourly_latency_cells CHECK (cardinality(latency_buckets) = cardinality(latency_counts));
ALTER TABLE usage_rollup_model_hourly
    ALTER COLUMN latency_buckets SET NOT NULL, ALTER COLUMN latency_counts SET NOT NULL,
    ADD CONSTRAINT usage_rollup_model_hourly_latency_cells CHECK (cardinality(latency_buckets) = cardinality(latency_counts));
ALTER TABLE usage_rollup_model_daily
    ALTER COLUMN latency_buckets SET NOT NULL, ALTER COLUMN latency_counts SET NOT NULL,
    ADD CONSTRAINT usage_rollup_model_daily_latency_cells CHECK (cardinality(latency_buckets) = cardinality(latency_counts));
ALTER TABLE usage_rollup_user_daily
    ALTER COLUMN latency_buckets SET NOT NULL, ALTER COLUMN latency_counts SET NOT NULL,
    ADD CONSTRAINT usage_rollup_user_daily_latency_cells CHECK (cardinality(latency_buckets) = cardinality(latency_counts));

-- With their indexes, including migration 0005's covering index.
DROP TABLE usage_rollup_latency_hourly, usage_rollup_model_latency_hourly, usage_rollup_model_latency_daily,
    usage_rollup_user_latency_daily;
