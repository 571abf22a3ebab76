using System.Diagnostics;
using Gateway.Bench.Edge.Load;
using Gateway.Bench.Edge.Stack;

namespace Gateway.Bench.Edge.Soak;

/// <summary>Paced load (wrk has no rate option): request n is due at start + n / rate; free workers take the next
/// due request, so the rate holds as long as the Edge keeps up (a late worker sends at once, it does not skip).
/// Meanwhile the Edge's RSS is read from /proc every <see cref="SampleInterval"/>.</summary>
internal static class SoakRunner
{
    private const int Workers = 64;
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(10);

    public static async Task<SoakResult> RunAsync(LoadTarget target, ChildProcess edge, Func<Task<long>> recorded, double rate,
        TimeSpan duration, CancellationToken cancellationToken)
    {
        using var client = BenchHttp.CreateClient();
        var before = await recorded();
        Func<Task<long>> recordedHere = async () => await recorded() - before;
        var samples = new List<RssSample>();
        var clock = Stopwatch.StartNew();
        var ticket = -1L;
        var total = (long)(rate * duration.TotalSeconds);
        long errors = 0;
        var latencies = new List<double>[Workers];

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = SampleAsync(() => new RssSampleSource(edge, recordedHere, Math.Min(Interlocked.Read(ref ticket) + 1, total)), clock, samples,
            stop.Token);
        var workers = Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var mine = latencies[worker] = new List<double>((int)(total / Workers) + 16);
            while (true)
            {
                var n = Interlocked.Increment(ref ticket);
                if (n >= total)
                {
                    return;
                }

                var due = TimeSpan.FromSeconds(n / rate) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, cancellationToken);
                }

                var start = Stopwatch.GetTimestamp();
                try
                {
                    using var request = BenchHttp.Request(target);
                    using var response = await client.SendAsync(request, cancellationToken);
                    await response.Content.CopyToAsync(Stream.Null, cancellationToken);
                    if (response.IsSuccessStatusCode)
                    {
                        mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }, cancellationToken)).ToArray();

        await Task.WhenAll(workers);
        var elapsed = clock.Elapsed;
        await stop.CancelAsync();
        await sampler;
        samples.Add(await new RssSampleSource(edge, recordedHere, total).TakeAsync(elapsed));

        var all = latencies.SelectMany(l => l).ToList();
        all.Sort();
        var load = new LoadResult(all.Count / elapsed.TotalSeconds, Percentiles.Of(all, 50), Percentiles.Of(all, 99),
            Percentiles.Of(all, 99.9), all.Count, errors);
        return new SoakResult(elapsed, rate, load, samples);
    }

    private static async Task SampleAsync(Func<RssSampleSource> source, Stopwatch clock, List<RssSample> samples, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(SampleInterval);
        samples.Add(await source().TakeAsync(clock.Elapsed));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var sample = await source().TakeAsync(clock.Elapsed);
                samples.Add(sample);
                Console.WriteLine($"  soak {sample.At.TotalSeconds,5:F0} s: Edge RSS {sample.Megabytes:F1} MB; sent {sample.Sent:N0}, Analytics recorded {sample.Recorded:N0} of them");
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The load finished.
        }
    }

    private sealed record RssSampleSource(ChildProcess Edge, Func<Task<long>> Recorded, long Sent)
    {
        public async Task<RssSample> TakeAsync(TimeSpan at)
        {
            var megabytes = Edge.ResidentBytes() / 1048576.0;
            return new RssSample(at, megabytes, Sent, await Recorded());
        }
    }
}
