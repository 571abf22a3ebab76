-- Per-tenant policy. A tenant without a row gets the default (no custom hosts, no private addresses), so the
-- table holds only the tenants an operator configured. Host patterns are validated and lowercased by the service.
CREATE TABLE tenant_policies (
    tenant_id            text PRIMARY KEY CHECK (tenant_id <> ''),
    allowed_custom_hosts text[] NOT NULL DEFAULT '{}',
    allow_private_hosts  boolean NOT NULL DEFAULT false,
    updated_at           timestamptz NOT NULL DEFAULT now()
);
