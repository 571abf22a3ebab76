namespace Gateway.Edge.Limits;

/// <summary>Money in Redis: whole micro-cents (10^-8 USD) as integers, never floats. Redis scripts compute in Lua
/// numbers (doubles), which are exact up to 2^53, so one tenant-month can hold up to <see cref="Max"/> (about
/// USD 90 million); larger figures are clamped. A token of the cheapest priced model costs about 10 micro-cents, so
/// rounding a request's cost up to the next micro-cent changes it by less than USD 0.00000001.</summary>
internal static class MicroCents
{
    public const decimal PerUsd = 100_000_000m;

    /// <summary>2^53 - 1: the largest integer a Lua number holds exactly.</summary>
    public const long Max = (1L << 53) - 1;

    private static readonly decimal MaxUsd = Max / PerUsd;

    /// <summary>A cost or an estimate, rounded up so spend is never under-counted.</summary>
    public static long FromCost(decimal usd) => usd <= 0m ? 0 : usd >= MaxUsd ? Max : Clamp(decimal.Ceiling(usd * PerUsd));

    /// <summary>A budget, rounded down so it is never exceeded by rounding.</summary>
    public static long FromBudget(decimal usd) => usd <= 0m ? 0 : usd >= MaxUsd ? Max : Clamp(decimal.Floor(usd * PerUsd));

    public static decimal ToUsd(long microCents) => microCents / PerUsd;

    private static long Clamp(decimal value) => value >= Max ? Max : (long)value;
}
