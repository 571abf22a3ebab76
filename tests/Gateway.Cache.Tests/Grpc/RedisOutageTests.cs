using System.Net;
using Gateway.Contracts.Cache.V1;
using Gateway.Testing;
using Google.Protobuf;
using Grpc.Core;

namespace Gateway.Cache.Tests.Grpc;

/// <summary>Stops Redis, so it gets its own server and service (a class fixture), apart from the other tests.</summary>
public sealed class RedisOutageTests(CacheServiceFixture fixture) : IClassFixture<CacheServiceFixture>
{
    private static readonly Metadata Internal = TestSecrets.Bearer(TestSecrets.InternalToken);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RedisDown_IsUnavailableQuicklyAndUnhealthy_ThenRecoversAfterRestart()
    {
        await PutAsync("before", deadline: null);
        using var http = fixture.Host.CreateHttpClient();

        await fixture.Redis.StopAsync();
        try
        {
            // The deadline is far above the service's own 500 ms bound: an answer of UNAVAILABLE rather than
            // DEADLINE_EXCEEDED shows the service gave up by itself instead of hanging on Redis.
            var deadline = DateTime.UtcNow.AddSeconds(4);
            var onGet = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.GetAsync(
                new CacheGetRequest { TenantId = "outage", Key = "before" }, Internal, deadline));
            var onPut = await Assert.ThrowsAsync<RpcException>(() => PutAsync("during", DateTime.UtcNow.AddSeconds(4)));
            Assert.Equal(StatusCode.Unavailable, onGet.StatusCode);
            Assert.Equal(StatusCode.Unavailable, onPut.StatusCode);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, await EventuallyHealthAsync(http, HttpStatusCode.ServiceUnavailable));
        }
        finally
        {
            await fixture.Redis.RestartAsync();
        }

        await EventuallyAsync(() => PutAsync("after", deadline: null));
        var response = await fixture.Client.GetAsync(new CacheGetRequest { TenantId = "outage", Key = "after" }, Internal);
        Assert.True(response.Found);
        Assert.Equal(HttpStatusCode.OK, await EventuallyHealthAsync(http, HttpStatusCode.OK));
    }

    private async Task PutAsync(string key, DateTime? deadline) =>
        await fixture.Client.PutAsync(
            new CachePutRequest { TenantId = "outage", Key = key, Value = ByteString.CopyFromUtf8("v"), TtlSeconds = 60 },
            Internal, deadline);

    private static async Task EventuallyAsync(Func<Task> call)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            try
            {
                await call();
                return;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Polls /health until it answers <paramref name="expected"/> or the bound passes; returns the last status.</summary>
    private static async Task<HttpStatusCode> EventuallyHealthAsync(HttpClient http, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));
            if (response.StatusCode == expected || DateTime.UtcNow >= deadline)
            {
                return response.StatusCode;
            }

            await Task.Delay(200);
        }
    }
}
