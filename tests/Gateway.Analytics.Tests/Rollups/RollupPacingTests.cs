using Gateway.Analytics.Rollups;

namespace Gateway.Analytics.Tests.Rollups;

/// <summary>The roller lets pending rows accumulate between passes, except while it is draining a backlog.</summary>
public sealed class RollupPacingTests
{
    private static readonly RollupOptions Options = new() { ChunkSize = 1000, MinInterval = TimeSpan.FromSeconds(1) };

    [Fact]
    public void A_full_chunk_is_followed_by_the_next_pass_at_once()
    {
        Assert.Null(RollupPacing.RestBeforeNextPass(1000, TimeSpan.FromMilliseconds(30), Options));
    }

    [Theory]
    [InlineData(999)]
    [InlineData(0)]
    public void A_partial_chunk_waits_out_the_rest_of_the_minimum_interval(int moved)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(700), RollupPacing.RestBeforeNextPass(moved, TimeSpan.FromMilliseconds(300), Options));
    }

    [Fact]
    public void A_pass_that_found_the_lock_taken_waits_too()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(900), RollupPacing.RestBeforeNextPass(null, TimeSpan.FromMilliseconds(100), Options));
    }

    [Fact]
    public void A_pass_longer_than_the_minimum_interval_leaves_no_rest()
    {
        Assert.Equal(TimeSpan.Zero, RollupPacing.RestBeforeNextPass(10, TimeSpan.FromSeconds(3), Options));
    }

    [Fact]
    public void No_minimum_interval_leaves_no_rest()
    {
        Assert.Equal(TimeSpan.Zero, RollupPacing.RestBeforeNextPass(10, TimeSpan.Zero, Options with { MinInterval = TimeSpan.Zero }));
    }
}
