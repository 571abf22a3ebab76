-- Routing configs, scoped by tenant. Versions are immutable rows; routing_configs holds the `latest` pointer and is
-- the row PutConfig locks (via the upsert), so concurrent puts of one config get consecutive version numbers.
CREATE TABLE routing_configs (
    tenant_id      text NOT NULL CHECK (tenant_id <> ''),
    config_id      text NOT NULL CHECK (config_id <> ''),
    latest_version integer NOT NULL CHECK (latest_version > 0),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, config_id)
);

-- The body is the canonical JSON text (sorted keys), not jsonb, so what GetConfig returns is byte-for-byte what
-- was validated.
CREATE TABLE routing_config_versions (
    tenant_id  text NOT NULL,
    config_id  text NOT NULL,
    version    integer NOT NULL CHECK (version > 0),
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, config_id, version),
    FOREIGN KEY (tenant_id, config_id) REFERENCES routing_configs (tenant_id, config_id)
);
