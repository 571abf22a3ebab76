namespace Gateway.Edge.Caching;

/// <summary>Where an entry lives in the Cache service: tenant, namespace (empty = the default namespace) and the
/// content key (<see cref="CacheKey"/>). Also what identical in-flight requests are coalesced by.</summary>
internal readonly record struct CacheEntryRef(string TenantId, string Namespace, string Key);
