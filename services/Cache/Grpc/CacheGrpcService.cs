using Gateway.Cache.Storage;
using Gateway.Contracts.Cache.V1;
using Gateway.ServiceDefaults.Security;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;
using CacheV1 = Gateway.Contracts.Cache.V1;

namespace Gateway.Cache.Grpc;

/// <summary>The Cache gRPC API, for other services only (internal token). Redis trouble is UNAVAILABLE, which the
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cache unavailable for tenant {Tenant}: {Reason}")]
    private static partial void LogRedisUnavailable(ILogger logger, string tenant, string reason);
}
