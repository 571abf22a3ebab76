extern alias edge;

using edge::Gateway.Edge.Auth;
using edge::Gateway.Edge.Options;

namespace Gateway.Edge.Tests.Auth;

/// <summary>Concurrent misses of one entry share one dependency call (no herd when an entry expires under load).</summary>
public sealed class KeyResolutionCacheLoadOnceTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Concurrent_misses_of_one_key_share_one_load()
    {
        using var cache = new KeyResolutionCache(Microsoft.Extensions.Options.Options.Create(new EdgeOptions()));
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loads = 0;
        async ValueTask<string> LoadAsync(CancellationToken token)
        {
            Interlocked.Increment(ref loads);
            await release.Task.WaitAsync(Deadline, token);
            return "answer";
        }

        var waiting = Enumerable.Range(0, 32).Select(_ => cache.LoadOnceAsync("api:k", LoadAsync, CancellationToken.None)).ToList();
        release.SetResult();
        var answers = await Task.WhenAll(waiting).WaitAsync(Deadline);

        Assert.Equal(1, loads);
        Assert.All(answers, answer => Assert.Equal("answer", answer));
    }

    [Fact]
    public async Task A_finished_load_is_not_reused_and_other_keys_load_separately()
    {
        using var cache = new KeyResolutionCache(Microsoft.Extensions.Options.Options.Create(new EdgeOptions()));
        var loads = 0;
        ValueTask<int> LoadAsync(CancellationToken token) => ValueTask.FromResult(Interlocked.Increment(ref loads));

        Assert.Equal(1, await cache.LoadOnceAsync("api:a", LoadAsync, CancellationToken.None));
        Assert.Equal(2, await cache.LoadOnceAsync("api:a", LoadAsync, CancellationToken.None));
        Assert.Equal(3, await cache.LoadOnceAsync("api:b", LoadAsync, CancellationToken.None));
    }

    [Fact]
    public async Task A_caller_that_gives_up_stops_waiting_and_the_others_still_get_the_answer()
    {
        using var cache = new KeyResolutionCache(Microsoft.Extensions.Options.Options.Create(new EdgeOptions()));
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async ValueTask<string> LoadAsync(CancellationToken token)
        {
            await release.Task.WaitAsync(Deadline, token);
            return "answer";
        }

        using var leaving = new CancellationTokenSource();
        var leaver = cache.LoadOnceAsync("api:k", LoadAsync, leaving.Token);
        var stayer = cache.LoadOnceAsync("api:k", LoadAsync, CancellationToken.None);
        await leaving.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaver.WaitAsync(Deadline));
        release.SetResult();
        Assert.Equal("answer", await stayer.WaitAsync(Deadline));
    }

    [Fact]
    public async Task A_failed_load_fails_every_waiter_and_the_next_miss_tries_again()
    {
        using var cache = new KeyResolutionCache(Microsoft.Extensions.Options.Options.Create(new EdgeOptions()));
        var fail = true;
        ValueTask<string> LoadAsync(CancellationToken token) =>
            fail ? ValueTask.FromException<string>(new InvalidOperationException("down")) : ValueTask.FromResult("answer");

        await Assert.ThrowsAsync<InvalidOperationException>(() => cache.LoadOnceAsync("api:k", LoadAsync, CancellationToken.None));
        fail = false;
        Assert.Equal("answer", await cache.LoadOnceAsync("api:k", LoadAsync, CancellationToken.None));
    }
}
