-- KeyVault schema. Gateway API keys are stored only as SHA-256 hashes; provider credentials only as ciphertext
-- (envelope encryption: see Crypto/EnvelopeEncryption.cs).

CREATE TABLE tenants (
    id           text PRIMARY KEY,
    display_name text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    tenant_id    text NOT NULL REFERENCES tenants (id),
    name         text NOT NULL,
    prefix       text NOT NULL,              -- the visible start of the key, for identification
    key_hash     bytea NOT NULL UNIQUE,      -- SHA-256 of the full key (high entropy, so no slow hash needed)
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    expires_at   timestamptz,
    last_used_at timestamptz
);

CREATE INDEX api_keys_tenant_id_idx ON api_keys (tenant_id);

CREATE TABLE virtual_keys (
    id               uuid PRIMARY KEY,
    tenant_id        text NOT NULL REFERENCES tenants (id),
    slug             text NOT NULL,
    provider         text NOT NULL,
    base_url         text,
    extras           jsonb NOT NULL DEFAULT '{}',
    master_key_id    text NOT NULL,          -- which master key wrapped the data key
    wrapped_data_key bytea NOT NULL,         -- nonce (12) || AES-256-GCM(data key) (32) || tag (16)
    nonce            bytea NOT NULL,         -- nonce of the credential encryption (12 bytes)
    ciphertext       bytea NOT NULL,         -- AES-256-GCM(credential) || tag (16)
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, slug)
);

-- A master key rotation re-wraps every row still under an old key id.
CREATE INDEX virtual_keys_master_key_id_idx ON virtual_keys (master_key_id);

CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    action     text NOT NULL,                -- e.g. tenant.create, api_key.create, virtual_key.create
    tenant_id  text NOT NULL,
    subject_id text NOT NULL
);

CREATE INDEX audit_log_tenant_id_at_idx ON audit_log (tenant_id, at);
