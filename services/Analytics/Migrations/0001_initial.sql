-- Analytics schema: one row per request through the Edge (the request log). event_id is the idempotency key:
-- every feed inserts with ON CONFLICT (event_id) DO NOTHING, so a redelivered event is applied once.
-- Money is numeric (exact); token counts are bigint.

CREATE TABLE usage_events (
    event_id              uuid PRIMARY KEY,
    tenant_id             text NOT NULL,
    api_key_id            text NOT NULL,
    virtual_key_id        text NOT NULL,
    requester             text NOT NULL,            -- UsageEvent.user
    metadata              jsonb NOT NULL,           -- object of string values
    provider              text NOT NULL,
    model                 text NOT NULL,
    endpoint              text NOT NULL,
    stream                boolean NOT NULL,
    status_code           integer NOT NULL,
    error_type            text NOT NULL,
    cache_status          text NOT NULL,
    input_tokens          bigint NOT NULL,
    cached_input_tokens   bigint NOT NULL,
    cache_write_tokens    bigint NOT NULL,
    output_tokens         bigint NOT NULL,
    reasoning_tokens      bigint NOT NULL,
    tokens_estimated      boolean NOT NULL,
    cost_usd              numeric NOT NULL,
    saved_cost_usd        numeric NOT NULL,
    price_version         text NOT NULL,
    priced                boolean NOT NULL,
    started_at            timestamptz NOT NULL,
    latency_us            bigint NOT NULL,
    time_to_first_byte_us bigint NOT NULL,
    trace_id              text NOT NULL,
    attempts              jsonb NOT NULL,           -- array of {provider, model, target, status_code, latency_us, error_type}
    received_at           timestamptz NOT NULL DEFAULT now()
);

-- Every query is scoped to one tenant and a time range.
CREATE INDEX usage_events_tenant_started_idx ON usage_events (tenant_id, started_at);
