using Gateway.Edge.Auth;
using Gateway.Edge.Errors;

namespace Gateway.Edge.Limits;

/// <summary>The tenant's rate limits and monthly budget, checked once per request before anything goes upstream and
/// settled once after the response is complete.</summary>
internal interface IRequestAdmission
{
    /// <summary>Counts the request against the requests-per-minute limits, checks the tokens-per-minute limits and
    /// reserves <paramref name="request"/>'s estimated cost against the monthly budget. An error is 429 (with
    /// <c>Retry-After</c>) or 402; either way <see cref="Admission.Headers"/> go on the response.</summary>
    ValueTask<Outcome<Admission>> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken);

    /// <summary>Replaces the reservation with the actual cost and adds the tokens used. Never throws.</summary>
    ValueTask SettleAsync(Admission admission, decimal actualCostUsd, long totalTokens);
}

/// <param name="Provider">The first target's provider (the estimate prices its model).</param>
/// <param name="RequestBytes">The request body size; the input estimate is derived from it.</param>
/// <param name="MaxOutputTokens">The request's <c>max_tokens</c>/<c>max_completion_tokens</c>, when it set one.</param>
internal sealed record AdmissionRequest(CallerIdentity Caller, string Provider, string Model, long RequestBytes, long? MaxOutputTokens);

/// <summary>A request let through: what it reserved, and the quota headers for the response.</summary>
internal sealed record Admission(string TenantId, string ApiKeyId, decimal ReservedUsd, string BudgetPeriod,
    IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    /// <summary>Nothing reserved, nothing to report (the tenant has no limits).</summary>
    public static Admission Unlimited(CallerIdentity caller) => new(caller.TenantId, caller.ApiKeyId, 0m, "", []);
}
