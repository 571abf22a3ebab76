extern alias edge;

using Gateway.Testing;
using edge::Gateway.Edge.Auth;
using Microsoft.Extensions.DependencyInjection;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Edge.Tests.Changes;

/// <summary>Waits until an Edge's Watch stream is live: plants a cached policy for a probe tenant and changes that
/// policy in Config until the Edge drops the entry (a POLICY event, or the READY that opens a stream, removes it).</summary>
public static class WatchProbe
{
    public static async Task WaitUntilWatchingAsync(IServiceProvider edgeServices, ConfigV1.Config.ConfigClient config)
    {
        var cache = edgeServices.GetRequiredService<KeyResolutionCache>();
        var tenant = "probe-" + Guid.NewGuid().ToString("N")[..16];
        var key = KeyResolutionCache.PolicyCacheKey(tenant);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            cache.Set(key, TenantPolicy.Default, TimeSpan.FromMinutes(10));
            try
            {
                await config.PutTenantPolicyAsync(new ConfigV1.PutTenantPolicyRequest { TenantId = tenant },
                    TestSecrets.Bearer(TestSecrets.AdminToken));
            }
            catch (Grpc.Core.RpcException)
            {
                // Config is still starting.
            }

            var probeEnd = DateTime.UtcNow + TimeSpan.FromMilliseconds(300);
            while (DateTime.UtcNow < probeEnd)
            {
                if (!cache.TryGet<TenantPolicy>(key, out _))
                {
                    return;
                }

                await Task.Delay(10);
            }
        }

        throw new TimeoutException("The Edge never started watching Config.");
    }
}
