using Grpc.Core;
using Microsoft.Extensions.Options;
using CacheV1 = Gateway.Contracts.Cache.V1;

namespace Gateway.Edge.Caching;

/// <summary>Sends queued stores to the Cache service with a few concurrent workers, each call with
/// <see cref="ResponseCacheOptions.PutTimeout"/>. A failed store is counted and forgotten: the next request for the
/// same content is a miss and stores again.</summary>
internal sealed partial class CachePutWriter(
    CachePutQueue queue,
    CacheV1.Cache.CacheClient client,
    ResponseCacheMetrics metrics,
    CacheWarnings warnings,
    IOptions<ResponseCacheOptions> options,
    ILogger<CachePutWriter> logger) : BackgroundService
{
    private readonly ResponseCacheOptions _options = options.Value;

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Complete();
        return base.StopAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var workers = new Task[_options.PutConcurrency];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = WorkAsync(stoppingToken);
        }

        return Task.WhenAll(workers);
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var put in queue.Reader.ReadAllAsync(stoppingToken))
            {
                await StoreAsync(put, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: queued stores are abandoned, which only costs future misses.
        }
    }

    private async Task StoreAsync(PendingPut put, CancellationToken stoppingToken)
    {
        try
        {
            await client.PutAsync(new CacheV1.CachePutRequest
            {
                TenantId = put.TenantId,
                Namespace = put.Namespace,
                Key = put.Key,
                Value = Google.Protobuf.UnsafeByteOperations.UnsafeWrap(put.Value),
                TtlSeconds = Math.Max(1, (long)put.TimeToLive.TotalSeconds),
            }, deadline: DateTime.UtcNow + _options.PutTimeout, cancellationToken: stoppingToken);
            metrics.Stored();
        }
        catch (RpcException ex) when (!stoppingToken.IsCancellationRequested)
        {
            metrics.Error("put");
            if (warnings.ShouldWarn())
            {
                LogPutFailed(logger, put.TenantId, ex.StatusCode, ex.Status.Detail);
            }
        }
        finally
        {
            put.Done?.Invoke();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing a cache entry of tenant {Tenant} failed with {StatusCode}: {Detail} (the answer stays uncached)")]
    private static partial void LogPutFailed(ILogger logger, string tenant, StatusCode statusCode, string detail);
}
