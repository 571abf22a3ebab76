using System.Globalization;

namespace Gateway.Analytics.Dashboard;

/// <summary>The dashboard's question: the last <see cref="Days"/> UTC days (today included) of the named tenants,
/// or of the most expensive ones when none is named.</summary>
internal sealed record DashboardQuery(int Days, IReadOnlyList<string> TenantIds)
{
    public const int DefaultDays = 30;
    public const int MaxDays = 366;
    public const int MaxTenants = 20;

    /// <summary>Parses <c>?days=30&amp;tenant=a,b</c> (tenant may also repeat).</summary>
    /// <returns>The query, or the message of a client error.</returns>
    public static (DashboardQuery? Query, string? Error) Parse(string? days, string[] tenants)
    {
        var dayCount = DefaultDays;
        if (!string.IsNullOrEmpty(days)
            && (!int.TryParse(days, NumberStyles.None, CultureInfo.InvariantCulture, out dayCount) || dayCount is < 1 or > MaxDays))
        {
            return (null, $"days must be a whole number from 1 to {MaxDays}.");
        }

        var tenantIds = tenants
            .SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return tenantIds.Count > MaxTenants
            ? (null, $"At most {MaxTenants} tenants at once.")
            : (new DashboardQuery(dayCount, tenantIds), null);
    }
}
