using Gateway.Edge.Errors;

namespace Gateway.Edge.Limits;

/// <summary>TEMPORARY placeholder while the Redis-backed admission is being written; it is deleted by that work.</summary>
internal sealed class UnlimitedAdmission : IRequestAdmission
{
    public ValueTask<Outcome<Admission>> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult<Outcome<Admission>>(Admission.Unlimited(request.Caller));

    public ValueTask SettleAsync(Admission admission, decimal actualCostUsd, long totalTokens) => ValueTask.CompletedTask;
}
