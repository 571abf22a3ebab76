using Gateway.Edge.Auth;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Edge.Limits;

/// <summary>Runs <see cref="LimitScripts"/> against Redis. The time is passed in (never read here), so the window
/// arithmetic can be tested with any clock. Each call is bounded by <see cref="LimitOptions.OperationTimeout"/>:
/// the multiplexer queues commands while disconnected, which would otherwise stall the request path.</summary>
internal sealed class RedisLimitStore(IConnectionMultiplexer redis, IOptions<LimitOptions> options)
{
    private readonly LimitOptions _options = options.Value;
    private readonly LimitKeys _keys = new(options.Value.KeyPrefix);

    public async Task<AdmitResult> AdmitAsync(AdmitCommand command, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var minute = LimitKeys.Minute(now);
        var (tenant, key) = (command.TenantId, command.ApiKeyId);
        var period = LimitKeys.Period(now);
        RedisKey[] keys =
        [
            _keys.TenantRequests(tenant, minute), _keys.TenantRequests(tenant, minute - 1),
            _keys.TenantTokens(tenant, minute), _keys.TenantTokens(tenant, minute - 1),
            _keys.KeyRequests(tenant, key, minute), _keys.KeyRequests(tenant, key, minute - 1),
            _keys.KeyTokens(tenant, key, minute), _keys.KeyTokens(tenant, key, minute - 1),
            _keys.Budget(tenant, period), _keys.Reservations(tenant, period),
        ];
        var nowMs = now.ToUnixTimeMilliseconds();
        RedisValue[] values =
        [
            nowMs, LimitKeys.WindowMs,
            command.TenantLimits.RequestsPerMinute, command.TenantLimits.TokensPerMinute,
            command.KeyLimits.RequestsPerMinute, command.KeyLimits.TokensPerMinute,
            command.BudgetMicroCents ?? -1, command.EstimateMicroCents,
            command.ReservationId, nowMs + (long)_options.ReservationLifetime.TotalMilliseconds, LimitKeys.PeriodTimeToLiveMs(period, now),
        ];

        var reply = (long[])(await EvaluateAsync(LimitScripts.Admit, keys, values, cancellationToken))!;
        return new AdmitResult((AdmitStatus)reply[0], TimeSpan.FromMilliseconds(reply[1]), period, reply[2], reply[3],
            Quota(reply, 0), Quota(reply, 1), Quota(reply, 2), Quota(reply, 3));
    }

    public async Task SettleAsync(SettleCommand command, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var minute = LimitKeys.Minute(now);
        var period = command.BudgetPeriod ?? LimitKeys.Period(now);
        RedisKey[] keys =
        [
            _keys.TenantTokens(command.TenantId, minute), _keys.KeyTokens(command.TenantId, command.ApiKeyId, minute),
            _keys.Budget(command.TenantId, period), _keys.Reservations(command.TenantId, period),
        ];
        RedisValue[] values =
        [
            Math.Max(command.Tokens, 0), command.CountTenantTokens ? 1 : 0, command.CountKeyTokens ? 1 : 0, 2 * LimitKeys.WindowMs,
            command.BudgetPeriod is null ? 0 : 1, command.ReservationId, command.CostMicroCents, LimitKeys.PeriodTimeToLiveMs(period, now),
        ];
        await EvaluateAsync(LimitScripts.Settle, keys, values, cancellationToken);
    }

    /// <summary>A period's spend and in-flight reservations, in micro-cents.</summary>
    public async Task<(long Spent, long Reserved, long Reservations)> GetBudgetAsync(string tenantId, string period)
    {
        var database = ConnectedDatabase();
        try
        {
            var fields = await database.HashGetAsync(_keys.Budget(tenantId, period), ["spent", "reserved"]).WaitAsync(_options.OperationTimeout);
            var count = await database.SortedSetLengthAsync(_keys.Reservations(tenantId, period)).WaitAsync(_options.OperationTimeout);
            return ((long?)fields[0] ?? 0, (long?)fields[1] ?? 0, count);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new LimitStoreUnavailableException("Redis did not answer the budget read.", ex);
        }
    }

    private async Task<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] values, CancellationToken cancellationToken)
    {
        var database = ConnectedDatabase();
        try
        {
            return await database.ScriptEvaluateAsync(script, keys, values).WaitAsync(_options.OperationTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new LimitStoreUnavailableException("Redis did not answer the limits script.", ex);
        }
    }

    private static WindowQuota Quota(long[] reply, int index) =>
        new(reply[4 + (4 * index)], reply[5 + (4 * index)], reply[6 + (4 * index)], reply[7 + (4 * index)]);

    // Fails fast while the multiplexer knows it has no connection, instead of waiting out the timeout per call.
    private IDatabase ConnectedDatabase() =>
        redis.IsConnected ? redis.GetDatabase() : throw new LimitStoreUnavailableException("Redis is not connected.");
}

/// <param name="BudgetMicroCents">The monthly budget, or null when the tenant has none.</param>
/// <param name="ReservationId">Unique per request; names the reservation settle replaces.</param>
internal sealed record AdmitCommand(string TenantId, string ApiKeyId, RateLimits TenantLimits, RateLimits KeyLimits,
    long? BudgetMicroCents, long EstimateMicroCents, string ReservationId);

/// <param name="BudgetPeriod">The period the admission reserved in, or null when the tenant has no budget.</param>
internal sealed record SettleCommand(string TenantId, string ApiKeyId, bool CountTenantTokens, bool CountKeyTokens,
    string? BudgetPeriod, string ReservationId, long CostMicroCents, long Tokens);

internal enum AdmitStatus
{
    Admitted = 0,
    RateLimited = 1,
    BudgetExceeded = 2,
}

/// <summary>One rate limit as the script saw it; <see cref="Limit"/> 0 means the limit is not set.</summary>
/// <param name="RemainingBefore">Quota left before this request was counted.</param>
/// <param name="ResetMs">Until the window holds nothing counted so far.</param>
/// <param name="WaitMs">Until this request would fit; 0 when it fits now.</param>
internal readonly record struct WindowQuota(long Limit, long RemainingBefore, long ResetMs, long WaitMs)
{
    public bool IsSet => Limit > 0;
}

internal sealed record AdmitResult(AdmitStatus Status, TimeSpan RetryAfter, string Period, long SpentMicroCents, long ReservedMicroCents,
    WindowQuota TenantRequests, WindowQuota TenantTokens, WindowQuota KeyRequests, WindowQuota KeyTokens);
