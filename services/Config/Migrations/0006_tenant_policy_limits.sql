-- The rest of a tenant policy: allowed providers, default routing config, cache defaults, monthly budget and rate
-- limits. Zero/empty means "no restriction", so existing rows keep behaving as before. The service validates and
-- normalises every value; the checks here only keep hand-written SQL from storing what the Edge cannot read.
ALTER TABLE tenant_policies
    ADD COLUMN allowed_providers       text[]         NOT NULL DEFAULT '{}',
    ADD COLUMN default_config_id       text           NOT NULL DEFAULT '',
    ADD COLUMN cache_enabled           boolean        NOT NULL DEFAULT false,
    ADD COLUMN cache_max_age_seconds   bigint         NOT NULL DEFAULT 0 CHECK (cache_max_age_seconds BETWEEN 0 AND 31536000),
    ADD COLUMN monthly_budget_usd      numeric(20, 10)         CHECK (monthly_budget_usd >= 0),
    ADD COLUMN requests_per_minute     integer        NOT NULL DEFAULT 0 CHECK (requests_per_minute >= 0),
    ADD COLUMN tokens_per_minute       bigint         NOT NULL DEFAULT 0 CHECK (tokens_per_minute >= 0),
    ADD COLUMN key_requests_per_minute integer        NOT NULL DEFAULT 0 CHECK (key_requests_per_minute >= 0),
    ADD COLUMN key_tokens_per_minute   bigint         NOT NULL DEFAULT 0 CHECK (key_tokens_per_minute >= 0);
