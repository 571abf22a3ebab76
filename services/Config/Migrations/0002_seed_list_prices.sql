-- List prices as published by each provider: standard tier, short-context, USD per 1M tokens.
-- Columns: input / cached input (cache read) / cache write / output. OpenAI has no cache-write fee, so its cache
-- write equals input. 'mock' is the built-in demo provider, priced like gpt-4o-mini so demos show realistic costs.
-- A later issue adds tenant overrides (negotiated prices) and new versions; this one stays as the first history entry.
INSERT INTO price_tables (version, is_active) VALUES ('2025-10-list', true);

INSERT INTO model_prices (version, provider, model, input, cached_input, cache_write, output) VALUES
    ('2025-10-list', 'openai', 'gpt-4o',                  2.50,  1.25,  2.50, 10.00),
    ('2025-10-list', 'openai', 'gpt-4o-mini',             0.15,  0.075, 0.15,  0.60),
    ('2025-10-list', 'openai', 'gpt-4.1',                 2.00,  0.50,  2.00,  8.00),
    ('2025-10-list', 'openai', 'gpt-4.1-mini',            0.40,  0.10,  0.40,  1.60),
    ('2025-10-list', 'openai', 'gpt-4.1-nano',            0.10,  0.025, 0.10,  0.40),
    ('2025-10-list', 'openai', 'o3',                      2.00,  0.50,  2.00,  8.00),
    ('2025-10-list', 'openai', 'o4-mini',                 1.10,  0.275, 1.10,  4.40),
    ('2025-10-list', 'openai', 'gpt-5',                   1.25,  0.125, 1.25, 10.00),
    ('2025-10-list', 'openai', 'gpt-5-mini',              0.25,  0.025, 0.25,  2.00),
    ('2025-10-list', 'openai', 'gpt-5-nano',              0.05,  0.005, 0.05,  0.40),
    ('2025-10-list', 'openai', 'text-embedding-3-small',  0.02,  0,     0,     0),
    ('2025-10-list', 'openai', 'text-embedding-3-large',  0.13,  0,     0,     0),
    ('2025-10-list', 'anthropic', 'claude-opus-4-1',     15.00,  1.50, 18.75, 75.00),
    ('2025-10-list', 'anthropic', 'claude-sonnet-4-5',    3.00,  0.30,  3.75, 15.00),
    ('2025-10-list', 'anthropic', 'claude-sonnet-4',      3.00,  0.30,  3.75, 15.00),
    ('2025-10-list', 'anthropic', 'claude-haiku-4-5',     1.00,  0.10,  1.25,  5.00),
    ('2025-10-list', 'anthropic', 'claude-3-5-haiku',     0.80,  0.08,  1.00,  4.00),
    ('2025-10-list', 'google', 'gemini-2.5-pro',          1.25,  0.31,  1.25, 10.00),
    ('2025-10-list', 'google', 'gemini-2.5-flash',        0.30,  0.075, 0.30,  2.50),
    ('2025-10-list', 'mock', 'mock-1',                    0.15,  0.075, 0.15,  0.60);
