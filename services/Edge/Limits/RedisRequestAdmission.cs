using System.Security.Cryptography;
using Gateway.Edge.Auth;
using Gateway.Edge.Errors;
using Gateway.Edge.Pricing;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Limits;

/// <summary>Rate limits and the monthly budget in Redis (<see cref="LimitScripts"/>). A tenant whose policy sets no
/// limit is admitted without any Redis call.
/// <para>Order: the budget is checked before the rate limits, so a tenant whose month is spent hears 402 (lasting)
/// rather than 429 (retry in seconds); either refusal changes nothing in Redis, so it costs no quota.</para>
/// <para>Fail open: when Redis is down, slow or not configured (or the policy cannot be read), the request is let
/// through unlimited, with a throttled warning and the <see cref="LimitsMetrics.FailOpenName"/> counter. Limits
/// protect spend; a Redis outage must not take the whole gateway down with it.</para></summary>
internal sealed partial class RedisRequestAdmission(
    TenantPolicyReader policies,
    PriceCatalog prices,
    LimitsMetrics metrics,
    IOptions<LimitOptions> options,
    TimeProvider time,
    ILogger<RedisRequestAdmission> logger,
    RedisLimitStore? store = null) : IRequestAdmission
{
    private const string Admit = "admit";
    private const string Settle = "settle";
    private static readonly long WarningIntervalTicks = TimeSpan.FromSeconds(10).Ticks;

    private readonly LimitOptions _options = options.Value;
    private long _lastWarningTicks;

    public async ValueTask<Outcome<Admission>> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        var policy = await policies.GetAsync(request.Caller.TenantId, cancellationToken);
        if (policy.Value is null)
        {
            // The reader logged why; a Config outage does not stop traffic here either.
            metrics.FailedOpen(Admit, "policy_unavailable");
            return Admission.Unlimited(request.Caller);
        }

        return await AdmitAsync(request, policy.Value, cancellationToken);
    }

    /// <summary>Admission under a known policy.</summary>
    public async ValueTask<Outcome<Admission>> AdmitAsync(AdmissionRequest request, TenantPolicy policy, CancellationToken cancellationToken)
    {
        var caller = request.Caller;
        var budget = policy.MonthlyBudgetUsd is > 0m and var usd ? usd : (decimal?)null;
        if (budget is null && policy.TenantLimits.IsUnlimited && policy.KeyLimits.IsUnlimited)
        {
            return Admission.Unlimited(caller);
        }

        var now = time.GetUtcNow();
        var period = budget is null ? "" : LimitKeys.Period(now);
        var estimate = budget is null ? 0 : MicroCents.FromCost(EstimateUsd(request));
        var ticket = new AdmissionTicket(policy.TenantLimits.TokensPerMinute > 0, policy.KeyLimits.TokensPerMinute > 0,
            budget is null ? null : period, Convert.ToHexString(RandomNumberGenerator.GetBytes(12)));
        if (store is null)
        {
            return FailOpen(Admit, "redis_not_configured", new Admission(caller.TenantId, caller.ApiKeyId, 0m, period, [])
            {
                Ticket = ticket with { ReservationId = "" },
            });
        }

        AdmitResult result;
        try
        {
            result = await store.AdmitAsync(new AdmitCommand(caller.TenantId, caller.ApiKeyId, policy.TenantLimits, policy.KeyLimits,
                budget is { } limit ? MicroCents.FromBudget(limit) : null, estimate, ticket.ReservationId), now, cancellationToken);
        }
        catch (LimitStoreUnavailableException)
        {
            return FailOpen(Admit, "redis_unavailable", new Admission(caller.TenantId, caller.ApiKeyId, 0m, period, [])
            {
                Ticket = ticket with { ReservationId = "" },
            });
        }

        var admitted = result.Status == AdmitStatus.Admitted;
        var admission = new Admission(caller.TenantId, caller.ApiKeyId, admitted ? MicroCents.ToUsd(estimate) : 0m, period,
            QuotaHeaders.For(result, admitted, now))
        {
            Ticket = admitted ? ticket : null,
        };
        switch (result.Status)
        {
            case AdmitStatus.BudgetExceeded:
                metrics.Refused("budget");
                return new Outcome<Admission>(admission, LimitErrors.BudgetExceeded(budget!.Value, period,
                    MicroCents.ToUsd(result.SpentMicroCents), MicroCents.ToUsd(result.ReservedMicroCents), MicroCents.ToUsd(estimate)));
            case AdmitStatus.RateLimited:
                metrics.Refused("rate_limit");
                return new Outcome<Admission>(admission, RateLimitError(result));
            default:
                return admission;
        }
    }

    public async ValueTask SettleAsync(Admission admission, decimal actualCostUsd, long totalTokens)
    {
        if (admission.Ticket is not { } ticket)
        {
            return;
        }

        if (store is null)
        {
            FailOpen(Settle, "redis_not_configured", admission);
            return;
        }

        try
        {
            await store.SettleAsync(new SettleCommand(admission.TenantId, admission.ApiKeyId, ticket.CountTenantTokens, ticket.CountKeyTokens,
                ticket.BudgetPeriod, ticket.ReservationId, MicroCents.FromCost(actualCostUsd), totalTokens), time.GetUtcNow(), CancellationToken.None);
        }
        catch (LimitStoreUnavailableException)
        {
            // The reservation (if any) expires on its own; the spend of this one request goes unrecorded.
            FailOpen(Settle, "redis_unavailable", admission);
        }
    }

    /// <summary>The cost the request could reach, erring high: input tokens ~ body bytes / 4 (JSON syntax and
    /// field names make a body longer than its text, and text averages about 4 bytes per token), output = its
    /// <c>max_tokens</c> or <see cref="LimitOptions.DefaultOutputTokens"/>. An unpriced model is estimated at 0.</summary>
    public decimal EstimateUsd(AdmissionRequest request)
    {
        if (prices.For(request.Caller.TenantId).Find(request.Provider, request.Model) is not { } rate)
        {
            return 0m;
        }

        var input = (Math.Max(request.RequestBytes, 0) + 3) / 4;
        var output = request.MaxOutputTokens is > 0 and var max ? max : _options.DefaultOutputTokens;
        return rate.Cost(new TokenUsage(input, 0, 0, output, 0));
    }

    private static GatewayError RateLimitError(AdmitResult result)
    {
        (LimitScope Scope, LimitUnit Unit, WindowQuota Quota) worst = (LimitScope.Tenant, LimitUnit.Requests, result.TenantRequests);
        foreach (var candidate in (ReadOnlySpan<(LimitScope, LimitUnit, WindowQuota)>)
                 [(LimitScope.Tenant, LimitUnit.Tokens, result.TenantTokens), (LimitScope.ApiKey, LimitUnit.Requests, result.KeyRequests),
                  (LimitScope.ApiKey, LimitUnit.Tokens, result.KeyTokens)])
        {
            if (candidate.Item3.WaitMs > worst.Quota.WaitMs)
            {
                worst = candidate;
            }
        }

        return LimitErrors.RateLimited(worst.Scope, worst.Unit, worst.Quota.Limit, QuotaHeaders.RetryAfterSeconds(result.RetryAfter));
    }

    private Admission FailOpen(string operation, string reason, Admission admission)
    {
        metrics.FailedOpen(operation, reason);
        var nowTicks = time.GetUtcNow().UtcTicks;
        var last = Interlocked.Read(ref _lastWarningTicks);
        // At most one warning per interval: an outage under load would otherwise flood the log.
        if (nowTicks - last >= WarningIntervalTicks && Interlocked.CompareExchange(ref _lastWarningTicks, nowTicks, last) == last)
        {
            LogFailedOpen(logger, operation, reason, admission.TenantId);
        }

        return admission;
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Limits {Operation} for tenant {TenantId} went through without Redis ({Reason}); budgets and rate limits are not enforced until it is back")]
    private static partial void LogFailedOpen(ILogger logger, string operation, string reason, string tenantId);
}
