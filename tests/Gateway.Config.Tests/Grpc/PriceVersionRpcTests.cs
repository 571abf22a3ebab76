using Gateway.Testing;
using Grpc.Core;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Config.Tests.Grpc;

/// <summary>Activating price tables changes what every other test sees, so these run on a Config service and
/// database of their own (a class fixture, not the shared collection).</summary>
public sealed class PriceVersionRpcTests(ConfigServiceFixture fixture) : IClassFixture<ConfigServiceFixture>
{
    private static readonly Metadata Admin = TestSecrets.Bearer(TestSecrets.AdminToken);
    private static readonly Metadata Internal = TestSecrets.Bearer(TestSecrets.InternalToken);

    [Fact]
    public async Task A_new_version_is_stored_activated_and_listed()
    {
        var put = Table("2026-01-list", Price("openai", "gpt-4o", "2.25", "1.1", "2.25", "9.5"));

        var stored = await fixture.Client.PutPriceTableAsync(put, Admin);
        var active = await fixture.Client.GetPricesAsync(new ConfigV1.GetPricesRequest(), Internal);
        var versions = await fixture.Client.ListPriceVersionsAsync(new ConfigV1.ListPriceVersionsRequest(), Internal);

        Assert.Equal("2026-01-list", stored.Version);
        Assert.Equal("2026-01-list", active.Version);
        var price = Assert.Single(active.Prices);
        Assert.Equal(("2.25", "1.1", "2.25", "9.5"), (price.InputPerMtok, price.CachedInputPerMtok, price.CacheWritePerMtok, price.OutputPerMtok));
        var listed = versions.Versions.ToDictionary(v => v.Version);
        Assert.True(listed["2026-01-list"].Active);
        Assert.Equal(1, listed["2026-01-list"].ModelCount);
        Assert.False(listed["2025-10-list"].Active);
        Assert.Equal(1, versions.Versions.Count(v => v.Active));
    }

    [Fact]
    public async Task Activating_a_version_is_announced_on_watch_within_a_second()
    {
        using var watch = fixture.Client.Watch(new ConfigV1.WatchRequest(), Internal);
        using (var open = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            Assert.True(await watch.ResponseStream.MoveNext(open.Token));
            Assert.Equal(ConfigV1.ChangeKind.Ready, watch.ResponseStream.Current.Kind);
        }

        await fixture.Client.PutPriceTableAsync(Table("2026-04-watched", Price("mock", "mock-1", "1", "1", "1", "1")), Admin);

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        while (await watch.ResponseStream.MoveNext(deadline.Token))
        {
            var change = watch.ResponseStream.Current;
            if (change.Kind == ConfigV1.ChangeKind.Prices && change.Version == "2026-04-watched")
            {
                Assert.Equal("", change.TenantId);
                return;
            }
        }

        Assert.Fail("The stream ended before the price change arrived.");
    }

    [Fact]
    public async Task Versions_are_immutable()
    {
        await fixture.Client.PutPriceTableAsync(Table("2026-02-once", Price("mock", "mock-1", "1", "1", "1", "1")), Admin);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.PutPriceTableAsync(Table("2026-02-once", Price("mock", "mock-1", "2", "2", "2", "2")), Admin));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
    }

    [Fact]
    public async Task Every_invalid_price_is_reported_and_nothing_changes()
    {
        var before = await fixture.Client.GetPricesAsync(new ConfigV1.GetPricesRequest(), Internal);
        var put = Table("bad version!", Price("openai", "", "-1", "0.1", "abc", "1.00000000001"), Price("openai", "x", "1", "1", "1", "1"));

        var error = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.PutPriceTableAsync(put, Admin));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        foreach (var expected in new[] { "version:", "prices[0].model:", "prices[0].input_per_mtok:", "prices[0].cache_write_per_mtok:", "prices[0].output_per_mtok:" })
        {
            Assert.Contains(expected, error.Status.Detail, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("prices[1]", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before.Version, (await fixture.Client.GetPricesAsync(new ConfigV1.GetPricesRequest(), Internal)).Version);
    }

    [Fact]
    public async Task Put_requires_the_admin_token()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.PutPriceTableAsync(Table("2026-03-x", Price("mock", "m", "1", "1", "1", "1")), Internal));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    internal static ConfigV1.ModelPrice Price(string provider, string model, string input, string cached, string write, string output) => new()
    {
        Provider = provider, Model = model, InputPerMtok = input, CachedInputPerMtok = cached, CacheWritePerMtok = write, OutputPerMtok = output,
    };

    private static ConfigV1.PutPriceTableRequest Table(string version, params ConfigV1.ModelPrice[] prices)
    {
        var request = new ConfigV1.PutPriceTableRequest { Version = version };
        request.Prices.AddRange(prices);
        return request;
    }
}
