using Gateway.Edge.Auth;
using Gateway.Edge.Errors;

namespace Gateway.Edge.Limits;

/// <summary>The tenant's rate limits and monthly budget, checked once per request before anything goes upstream and
/// settled once after the response is complete.</summary>
internal interface IRequestAdmission
{
    /// <summary>Counts the request against the requests-per-minute limits, checks the tokens-per-minute limits and
    /// reserves <paramref name="request"/>'s estimated cost against the monthly budget. An error is 429 (with
    /// <c>Retry-After</c>) or 402; either way <see cref="Admission.Headers"/> go on the response: on an error the
    /// outcome carries BOTH the error and an <see cref="Admission"/> holding the headers (the quota headers, and
    /// <c>Retry-After</c> on a 429). A refused request reserved and counted nothing, so it needs no settle.</summary>
    ValueTask<Outcome<Admission>> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken);

    /// <summary>Replaces the reservation with the actual cost and adds the tokens used (input + output) to the
    /// tokens-per-minute windows. Call it exactly once per admitted request, also when the request failed (cost 0)
    /// so its reservation is released at once. Never throws.</summary>
    ValueTask SettleAsync(Admission admission, decimal actualCostUsd, long totalTokens);
}

/// <param name="Provider">The first target's provider (the estimate prices its model).</param>
/// <param name="RequestBytes">The request body size; the input estimate is derived from it.</param>
/// <param name="MaxOutputTokens">The request's <c>max_tokens</c>/<c>max_completion_tokens</c>, when it set one.</param>
internal sealed record AdmissionRequest(CallerIdentity Caller, string Provider, string Model, long RequestBytes, long? MaxOutputTokens);

/// <summary>A request let through: what it reserved, and the quota headers for the response.</summary>
/// <param name="BudgetPeriod">The budget's calendar month (<c>yyyy-MM</c>, UTC) the reservation is in; empty without a budget.</param>
internal sealed record Admission(string TenantId, string ApiKeyId, decimal ReservedUsd, string BudgetPeriod,
    IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    /// <summary>What <see cref="IRequestAdmission.SettleAsync"/> has to record; null when nothing (no limits).</summary>
    public AdmissionTicket? Ticket { get; init; }

    /// <summary>Nothing reserved, nothing to report (the tenant has no limits).</summary>
    public static Admission Unlimited(CallerIdentity caller) => new(caller.TenantId, caller.ApiKeyId, 0m, "", []);
}

/// <summary>The settle half of an admission.</summary>
/// <param name="BudgetPeriod">Where the actual cost goes; null when the tenant has no budget.</param>
/// <param name="ReservationId">The reservation to release; empty when none was made (Redis was unavailable).</param>
internal sealed record AdmissionTicket(bool CountTenantTokens, bool CountKeyTokens, string? BudgetPeriod, string ReservationId);
