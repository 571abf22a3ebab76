using System.Text.Json.Serialization;

namespace Gateway.Analytics.Dashboard;

/// <summary>What the dashboard page draws: <c>GET /dashboard/data</c>. Money is exact decimal text (the page parses
/// it only to size bars); <see cref="Dates"/> are the UTC days of the range, oldest first, and every tenant's
/// <see cref="DashboardTenant.DailyCostUsd"/> has one entry per date.</summary>
internal sealed record DashboardData(
    DateTime Start,
    DateTime End,
    IReadOnlyList<string> Dates,
    DashboardTotals Totals,
    IReadOnlyList<DashboardTenant> Tenants,
    IReadOnlyList<DashboardTopEntry> TopModels,
    IReadOnlyList<DashboardTopEntry> TopUsers);

internal sealed record DashboardTotals(string CostUsd, string SavedCostUsd, long Requests, long Errors, long CacheHits);

internal sealed record DashboardTenant(
    string TenantId,
    string CostUsd,
    string SavedCostUsd,
    long Requests,
    long Errors,
    long CacheHits,
    IReadOnlyList<string> DailyCostUsd,
    DashboardLatency Latency);

/// <summary>Latency percentiles of all the tenant's requests in the range (histogram approximations, microseconds).</summary>
internal sealed record DashboardLatency(long P50Us, long P95Us, long P99Us);

/// <summary>A top model ("provider/model", all shown tenants together) or user (of <see cref="TenantId"/>).</summary>
internal sealed record DashboardTopEntry(string Name, string TenantId, long Requests, string CostUsd);

/// <summary>OpenAI-style error body, as every gateway-made client error.</summary>
internal sealed record DashboardError(DashboardErrorDetail Error);

internal sealed record DashboardErrorDetail(string Message, string Type, string Code);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DashboardData))]
[JsonSerializable(typeof(DashboardError))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
