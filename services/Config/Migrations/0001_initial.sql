-- Versioned price tables. Prices are USD per 1M tokens, exact decimals (never floating point). numeric(20,10)
-- keeps every value inside .NET decimal's range, so reading can never overflow.
CREATE TABLE price_tables (
    version    text PRIMARY KEY CHECK (version <> ''),
    created_at timestamptz NOT NULL DEFAULT now(),
    is_active  boolean NOT NULL DEFAULT false
);

-- At most one table is in force at a time; switching versions is one transaction (deactivate, activate).
CREATE UNIQUE INDEX price_tables_single_active ON price_tables (is_active) WHERE is_active;

CREATE TABLE model_prices (
    version      text NOT NULL REFERENCES price_tables (version) ON DELETE CASCADE,
    provider     text NOT NULL CHECK (provider <> ''),
    model        text NOT NULL CHECK (model <> ''),
    input        numeric(20, 10) NOT NULL CHECK (input >= 0),
    cached_input numeric(20, 10) NOT NULL CHECK (cached_input >= 0),
    cache_write  numeric(20, 10) NOT NULL CHECK (cache_write >= 0),
    output       numeric(20, 10) NOT NULL CHECK (output >= 0),
    PRIMARY KEY (version, provider, model)
);
