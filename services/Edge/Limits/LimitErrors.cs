using System.Globalization;
using Gateway.Edge.Errors;

namespace Gateway.Edge.Limits;

/// <summary>The errors of <see cref="IRequestAdmission"/>, in the shape of <see cref="GatewayError"/>.</summary>
internal static class LimitErrors
{
    /// <summary>Anthropic's and most SDKs' name for a 429; OpenAI clients key on the status and the code.</summary>
    public const string RateLimitType = "rate_limit_error";

    /// <summary>OpenAI's type for spend that has run out.</summary>
    public const string BudgetType = "insufficient_quota";

    public const string RateLimitCode = "rate_limit_exceeded";
    public const string BudgetCode = "budget_exceeded";

    public static GatewayError RateLimited(LimitScope scope, LimitUnit unit, long limit, int retryAfterSeconds) =>
        new(StatusCodes.Status429TooManyRequests, RateLimitType, RateLimitCode, string.Create(CultureInfo.InvariantCulture,
            $"Rate limit of {limit} {(unit == LimitUnit.Requests ? "requests" : "tokens")} per minute reached for this {(scope == LimitScope.Tenant ? "tenant" : "API key")}; retry after {retryAfterSeconds} s (see Retry-After)."));

    /// <summary>402: the monthly budget cannot cover this request's estimate on top of what is spent and reserved.</summary>
    public static GatewayError BudgetExceeded(decimal budgetUsd, string period, decimal spentUsd, decimal reservedUsd, decimal estimateUsd) =>
        new(StatusCodes.Status402PaymentRequired, BudgetType, BudgetCode, string.Create(CultureInfo.InvariantCulture,
            $"The tenant's monthly budget of USD {budgetUsd} for {period} (calendar month, UTC) is exhausted: USD {Round(spentUsd)} spent and USD {Round(reservedUsd)} reserved by requests in flight leave no room for this request's estimated USD {Round(estimateUsd)}. The budget renews on the first day of the next month; an operator can raise it in the tenant policy."));

    private static decimal Round(decimal usd) => decimal.Round(usd, 6, MidpointRounding.AwayFromZero);
}

internal enum LimitScope
{
    Tenant,
    ApiKey,
}

internal enum LimitUnit
{
    Requests,
    Tokens,
}
