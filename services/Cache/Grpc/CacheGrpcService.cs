using Gateway.Cache.Storage;
using Gateway.Contracts.Cache.V1;
using Gateway.ServiceDefaults.Security;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;
using CacheV1 = Gateway.Contracts.Cache.V1;

namespace Gateway.Cache.Grpc;

/// <summary>The Cache gRPC API: Get/Put for other services (internal token), Purge for operators (admin token). Redis trouble is UNAVAILABLE, which the
/// Edge treats as a miss; client mistakes are INVALID_ARGUMENT.</summary>
internal sealed partial class CacheGrpcService(
    RedisCacheStore store,
    CallerTokens tokens,
    IOptions<CacheOptions> options,
    ILogger<CacheGrpcService> logger) : CacheV1.Cache.CacheBase
{
    private const long MaxTtlSeconds = 365L * 24 * 60 * 60;

    private readonly int _maxEntryBytes = options.Value.MaxEntryBytes;

    public override async Task<CacheGetResponse> Get(CacheGetRequest request, ServerCallContext context)
    {
        tokens.RequireInternal(context);
        var key = EntryKey(request.TenantId, request.Namespace, request.Key);
        try
        {
            var value = await store.GetAsync(key, context.CancellationToken);
            // The array is freshly read from Redis and owned by nobody else, so wrapping it without a copy is safe.
            return value is null
                ? new CacheGetResponse()
                : new CacheGetResponse { Found = true, Value = UnsafeByteOperations.UnsafeWrap(value) };
        }
        catch (CacheUnavailableException ex)
        {
            throw Unavailable(key, ex);
        }
    }

    public override async Task<CachePutResponse> Put(CachePutRequest request, ServerCallContext context)
    {
        tokens.RequireInternal(context);
        var key = EntryKey(request.TenantId, request.Namespace, request.Key);
        if (request.TtlSeconds is < 1 or > MaxTtlSeconds)
        {
            throw InvalidArgument($"ttl_seconds must be between 1 and {MaxTtlSeconds} (365 days).");
        }

        // INVALID_ARGUMENT rather than FAILED_PRECONDITION: the request itself is too large and retrying it can never
        // succeed, whatever the cache's state. The Edge just leaves such an answer uncached.
        if (request.Value.Length > _maxEntryBytes)
        {
            throw InvalidArgument($"value is {request.Value.Length} bytes; the limit is {_maxEntryBytes} bytes.");
        }

        try
        {
            await store.SetAsync(key, request.Value.Memory, TimeSpan.FromSeconds(request.TtlSeconds), context.CancellationToken);
            return new CachePutResponse();
        }
        catch (CacheUnavailableException ex)
        {
            throw Unavailable(key, ex);
        }
    }

    /// <summary>Admin: deletes one entry, one namespace or all of a tenant's entries (see the proto).</summary>
    public override async Task<CachePurgeResponse> Purge(CachePurgeRequest request, ServerCallContext context)
    {
        tokens.RequireAdmin(context);
        var @namespace = request.Namespace;
        var wholeTenant = @namespace.Length == 0 && request.Key.Length == 0;
        if (!CacheEntryKey.TryValidatePartition(request.TenantId, ref @namespace, out var error))
        {
            throw InvalidArgument(error);
        }

        try
        {
            long deleted;
            if (request.Key.Length > 0)
            {
                deleted = await store.DeleteAsync(EntryKey(request.TenantId, request.Namespace, request.Key), context.CancellationToken) ? 1 : 0;
            }
            else
            {
                var pattern = CacheEntryKey.MatchPattern(request.TenantId, wholeTenant ? null : @namespace);
                deleted = await store.DeleteMatchingAsync(pattern, context.CancellationToken);
            }

            LogPurged(logger, request.TenantId, wholeTenant ? "*" : @namespace!, request.Key.Length > 0, deleted);
            return new CachePurgeResponse { Deleted = deleted };
        }
        catch (CacheUnavailableException ex)
        {
            LogRedisUnavailable(logger, request.TenantId, ex.InnerException?.Message ?? ex.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "The cache is unavailable; nothing or only part was purged, retry."));
        }
    }

    private static CacheEntryKey EntryKey(string tenant, string @namespace, string key) =>
        CacheEntryKey.TryCreate(tenant, @namespace, key, out var entryKey, out var error)
            ? entryKey
            : throw InvalidArgument(error);

    private static RpcException InvalidArgument(string message) => new(new Status(StatusCode.InvalidArgument, message));

    private RpcException Unavailable(CacheEntryKey key, CacheUnavailableException ex)
    {
        // The tenant helps find who was affected; the key is a content hash and is not logged.
        LogRedisUnavailable(logger, key.Tenant, ex.InnerException?.Message ?? ex.Message);
        return new RpcException(new Status(StatusCode.Unavailable, "The cache is unavailable; treat this as a miss."));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Deleted} cache entries of tenant {Tenant}, namespace {Namespace} (single key: {SingleKey})")]
    private static partial void LogPurged(ILogger logger, string tenant, string @namespace, bool singleKey, long deleted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cache unavailable for tenant {Tenant}: {Reason}")]
    private static partial void LogRedisUnavailable(ILogger logger, string tenant, string reason);
}
