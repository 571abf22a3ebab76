-- Negotiated prices: per tenant, provider and model. They are not tied to a price table version, so a new list
-- price version does not silently drop a contract; GetPrices with a tenant applies them over the table in force.
CREATE TABLE tenant_price_overrides (
    tenant_id    text NOT NULL CHECK (tenant_id <> ''),
    provider     text NOT NULL CHECK (provider <> ''),
    model        text NOT NULL CHECK (model <> ''),
    input        numeric(20, 10) NOT NULL CHECK (input >= 0),
    cached_input numeric(20, 10) NOT NULL CHECK (cached_input >= 0),
    cache_write  numeric(20, 10) NOT NULL CHECK (cache_write >= 0),
    output       numeric(20, 10) NOT NULL CHECK (output >= 0),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, provider, model)
);
