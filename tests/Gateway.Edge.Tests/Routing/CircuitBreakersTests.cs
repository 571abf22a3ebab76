extern alias edge;

using edge::Gateway.Edge.Routing;

namespace Gateway.Edge.Tests.Routing;

public sealed class CircuitBreakersTests
{
    private const string Key = "t\nvk:a";

    private readonly ManualTime _time = new();
    private readonly CircuitBreakers _breakers;

    public CircuitBreakersTests() => _breakers = new CircuitBreakers(Microsoft.Extensions.Options.Options.Create(
        new RoutingOptions { BreakerFailureThreshold = 3, BreakerCoolDown = TimeSpan.FromSeconds(30) }), _time);

    [Fact]
    public void Opens_after_consecutive_failures_and_a_success_resets_the_count()
    {
        Fail(2);
        Succeed();
        Fail(2);
        Assert.Equal(BreakerState.Closed, _breakers.StateOf(Key));

        Fail(1);

        Assert.Equal(BreakerState.Open, _breakers.StateOf(Key));
        Assert.False(_breakers.IsAvailable(Key));
        Assert.False(_breakers.TryAcquire(Key));
    }

    [Fact]
    public void Half_open_lets_one_probe_through_and_its_success_closes()
    {
        Fail(3);
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(BreakerState.HalfOpen, _breakers.StateOf(Key));
        Assert.True(_breakers.TryAcquire(Key));
        Assert.False(_breakers.TryAcquire(Key));
        Assert.False(_breakers.IsAvailable(Key));

        _breakers.Report(Key, failed: false);

        Assert.Equal(BreakerState.Closed, _breakers.StateOf(Key));
        Assert.True(_breakers.TryAcquire(Key));
    }

    [Fact]
    public void A_failed_probe_reopens_for_a_whole_cool_down()
    {
        Fail(3);
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.True(_breakers.TryAcquire(Key));

        _breakers.Report(Key, failed: true);

        Assert.Equal(BreakerState.Open, _breakers.StateOf(Key));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(_breakers.TryAcquire(Key));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(_breakers.TryAcquire(Key));
    }

    [Fact]
    public void An_abandoned_probe_frees_the_slot()
    {
        Fail(3);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(_breakers.TryAcquire(Key));

        _breakers.Report(Key, failed: null);

        Assert.True(_breakers.TryAcquire(Key));
    }

    [Fact]
    public void Targets_have_separate_breakers()
    {
        Fail(3);

        Assert.True(_breakers.IsAvailable("t\nvk:b"));
        Assert.NotEqual(CircuitBreakers.Key("t1", "a", "", null), CircuitBreakers.Key("t2", "a", "", null));
        Assert.NotEqual(CircuitBreakers.Key("t", null, "openai", "http://a/"), CircuitBreakers.Key("t", null, "openai", "http://b/"));
    }

    private void Fail(int times)
    {
        for (var i = 0; i < times; i++)
        {
            Assert.True(_breakers.TryAcquire(Key));
            _breakers.Report(Key, failed: true);
        }
    }

    private void Succeed()
    {
        Assert.True(_breakers.TryAcquire(Key));
        _breakers.Report(Key, failed: false);
    }

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
