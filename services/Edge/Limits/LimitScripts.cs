namespace Gateway.Edge.Limits;

/// <summary>The two Redis scripts, each atomic and one round trip. All keys of one call share the tenant's hash tag,
/// so they also run on Redis Cluster.
/// <para>Rate limits use a sliding-window approximation: a counter per fixed minute (expiring after two minutes),
/// and "used" = this minute's count + last minute's count weighted by the share of last minute still inside the
/// sliding 60 s window. It never lets a burst at a minute boundary double the limit, as a fixed window would.</para>
/// <para>Times come from the caller (one clock for the Edge and its tests) and expiries are relative (PEXPIRE), so a
/// skew between the Edge's and Redis' clocks changes nothing.</para>
/// <para>Money is whole micro-cents (<see cref="MicroCents"/>). Amounts computed in Lua are never passed back to a
/// Redis command (Lua prints large numbers as 1e+15); only the caller's integer strings are, and a stored amount is
/// negated as a string ('-0' is not an integer to Redis, hence the guard).</para></summary>
internal static class LimitScripts
{
    /// <summary>Checks the monthly budget and up to four rate limits, then, only if all pass, counts the request and
    /// reserves the estimate; a refused request changes nothing (except dropping expired reservations).
    /// KEYS: 1-2 tenant requests (this/last minute), 3-4 tenant tokens, 5-6 key requests, 7-8 key tokens,
    /// 9 budget hash (spent, reserved, r:&lt;id&gt; = amount), 10 reservation expiry zset.
    /// ARGV: 1 now ms, 2 window ms, 3-6 limits in KEYS order pairs (0 = none), 7 budget (-1 = none), 8 estimate,
    /// 9 reservation id, 10 reservation expiry ms, 11 budget keys' time to live ms.
    /// Returns: status (0 admitted, 1 rate limited, 2 budget), retry-after ms, spent, reserved, then per limit:
    /// limit, remaining before this request, ms until fully reset, ms until this request would fit.</summary>
    public const string Admit = """
        local now = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        local elapsed = now % window

        -- Integer arithmetic scaled by the window (count x ms), exact in Lua numbers: "used" is
        -- cur + prev x (window - elapsed) / window, the previous minute weighted by its share still in the window.
        local out = {0, 0, 0, 0}
        local retry = 0
        local limited = false
        for i = 0, 3 do
          local limit = tonumber(ARGV[3 + i])
          if limit > 0 then
            local cur = tonumber(redis.call('GET', KEYS[1 + 2 * i]) or '0')
            local prev = tonumber(redis.call('GET', KEYS[2 + 2 * i]) or '0')
            local used = cur * window + prev * (window - elapsed)
            local allowed = limit - 1
            local wait = 0
            if used > allowed * window then
              if cur <= allowed then
                -- fits later this minute, once the previous minute's weight has decayed enough
                wait = window - math.floor((allowed - cur) * window / prev) - elapsed
              else
                -- fits next minute, when this minute's count is the decaying one
                wait = (window - elapsed) + window - math.floor(allowed * window / cur)
              end
              wait = math.max(1, wait)
              limited = true
              if wait > retry then retry = wait end
            end
            local reset = 0
            if cur > 0 then reset = 2 * window - elapsed elseif prev > 0 then reset = window - elapsed end
            table.insert(out, limit)
            table.insert(out, math.max(0, math.floor((limit * window - used) / window)))
            table.insert(out, reset)
            table.insert(out, wait)
          else
            table.insert(out, 0); table.insert(out, 0); table.insert(out, 0); table.insert(out, 0)
          end
        end

        local budget = tonumber(ARGV[7])
        if budget >= 0 then
          local expired = redis.call('ZRANGEBYSCORE', KEYS[10], '-inf', now, 'LIMIT', 0, 100)
          for _, id in ipairs(expired) do
            local amount = redis.call('HGET', KEYS[9], 'r:' .. id)
            if amount then
              if amount ~= '0' then redis.call('HINCRBY', KEYS[9], 'reserved', '-' .. amount) end
              redis.call('HDEL', KEYS[9], 'r:' .. id)
            end
            redis.call('ZREM', KEYS[10], id)
          end
          local spent = tonumber(redis.call('HGET', KEYS[9], 'spent') or '0')
          local reserved = tonumber(redis.call('HGET', KEYS[9], 'reserved') or '0')
          out[3] = spent
          out[4] = reserved
          -- at least one micro-cent, so a request of an unpriced model is still refused once the budget is spent
          if spent + reserved + math.max(tonumber(ARGV[8]), 1) > budget then
            out[1] = 2
            return out
          end
        end

        if limited then
          out[1] = 1
          out[2] = retry
          return out
        end

        for i = 0, 3 do
          if i % 2 == 0 and tonumber(ARGV[3 + i]) > 0 then
            redis.call('INCR', KEYS[1 + 2 * i])
            redis.call('PEXPIRE', KEYS[1 + 2 * i], 2 * window)
          end
        end
        if budget >= 0 then
          redis.call('HSET', KEYS[9], 'r:' .. ARGV[9], ARGV[8])
          redis.call('HINCRBY', KEYS[9], 'reserved', ARGV[8])
          redis.call('ZADD', KEYS[10], ARGV[10], ARGV[9])
          redis.call('PEXPIRE', KEYS[9], ARGV[11])
          redis.call('PEXPIRE', KEYS[10], ARGV[11])
        end
        return out
        """;

    /// <summary>Adds the tokens used to this minute's token counters and replaces the reservation with the actual cost.
    /// A reservation already dropped as expired is simply gone; the cost is added either way, since it was spent.
    /// KEYS: 1 tenant tokens (this minute), 2 key tokens, 3 budget hash, 4 reservation expiry zset.
    /// ARGV: 1 tokens, 2 count tenant tokens (1/0), 3 count key tokens (1/0), 4 counter expiry ms, 5 settle budget
    /// (1/0), 6 reservation id ('' = none), 7 cost, 8 budget keys' time to live ms.</summary>
    public const string Settle = """
        for i = 1, 2 do
          if ARGV[1 + i] == '1' then
            redis.call('INCRBY', KEYS[i], ARGV[1])
            redis.call('PEXPIRE', KEYS[i], ARGV[4])
          end
        end
        if ARGV[5] == '1' then
          if ARGV[6] ~= '' then
            local amount = redis.call('HGET', KEYS[3], 'r:' .. ARGV[6])
            if amount then
              if amount ~= '0' then redis.call('HINCRBY', KEYS[3], 'reserved', '-' .. amount) end
              redis.call('HDEL', KEYS[3], 'r:' .. ARGV[6])
            end
            redis.call('ZREM', KEYS[4], ARGV[6])
          end
          redis.call('HINCRBY', KEYS[3], 'spent', ARGV[7])
          redis.call('PEXPIRE', KEYS[3], ARGV[8])
          redis.call('PEXPIRE', KEYS[4], ARGV[8])
        end
        return 1
        """;
}
