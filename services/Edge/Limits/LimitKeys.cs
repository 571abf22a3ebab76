using System.Globalization;
using StackExchange.Redis;

namespace Gateway.Edge.Limits;

/// <summary>Redis key names. Every key of a tenant carries the tenant id as hash tag (<c>{tenant}</c>), so one
/// script can touch the tenant's and its keys' counters and its budget even on Redis Cluster.</summary>
internal sealed class LimitKeys(string prefix)
{
    public const long WindowMs = 60_000;

    /// <summary>The fixed minute a time falls in (minutes since the Unix epoch).</summary>
    public static long Minute(DateTimeOffset now) => now.ToUnixTimeMilliseconds() / WindowMs;

    /// <summary>The budget period of a time: its calendar month in UTC, as <c>yyyy-MM</c>.</summary>
    public static string Period(DateTimeOffset now) => now.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>How long a period's budget keys live from <paramref name="now"/>: until a month after the period ends,
    /// so last month stays inspectable (at least a day, for a late settle).</summary>
    public static long PeriodTimeToLiveMs(string period, DateTimeOffset now)
    {
        var start = DateTime.ParseExact(period, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        var expiry = new DateTimeOffset(start.AddMonths(2), TimeSpan.Zero);
        return (long)Math.Max((expiry - now).TotalMilliseconds, TimeSpan.FromDays(1).TotalMilliseconds);
    }

    public RedisKey TenantRequests(string tenantId, long minute) => Key(tenantId, "rl:t:req:", minute);

    public RedisKey TenantTokens(string tenantId, long minute) => Key(tenantId, "rl:t:tok:", minute);

    public RedisKey KeyRequests(string tenantId, string apiKeyId, long minute) => Key(tenantId, "rl:k:" + apiKeyId + ":req:", minute);

    public RedisKey KeyTokens(string tenantId, string apiKeyId, long minute) => Key(tenantId, "rl:k:" + apiKeyId + ":tok:", minute);

    /// <summary>Hash: <c>spent</c>, <c>reserved</c> and one <c>r:&lt;reservation id&gt;</c> field per reservation.</summary>
    public RedisKey Budget(string tenantId, string period) => string.Concat(prefix, "{", tenantId, "}:budget:", period);

    /// <summary>Sorted set of reservation ids scored by when they expire.</summary>
    public RedisKey Reservations(string tenantId, string period) => string.Concat(prefix, "{", tenantId, "}:budget:", period, ":res");

    private RedisKey Key(string tenantId, string middle, long minute) =>
        string.Concat(prefix, "{", tenantId, "}:", middle, minute.ToString(CultureInfo.InvariantCulture));
}
