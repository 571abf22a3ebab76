-- Scopes of a gateway API key: which providers, models and config ids it may use. Empty arrays allow everything, so
-- keys created before this migration keep their unrestricted behaviour.
ALTER TABLE api_keys
    ADD COLUMN allowed_providers  text[] NOT NULL DEFAULT '{}',
    ADD COLUMN allowed_models     text[] NOT NULL DEFAULT '{}',
    ADD COLUMN allowed_config_ids text[] NOT NULL DEFAULT '{}';
