using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Gateway.Bench.Edge.Load;

/// <summary>Runs wrk (HTTP/1.1, keep-alive, fixed connections and duration) with a Lua script that sets the POST
/// body and headers and prints the totals and latency percentiles from <c>done()</c> on one parseable line. With a
/// rate the load is paced (see <see cref="Pacing"/>); without one each connection sends as fast as answers come.</summary>
internal sealed class WrkRunner(string scriptDirectory)
{
    private const string Marker = "BENCH-RESULT";
    private int _scripts;

    public async Task<LoadResult> RunAsync(LoadTarget target, int connections, TimeSpan duration, CancellationToken cancellationToken,
        double? requestsPerSecond = null)
    {
        var threads = Math.Min(connections, Environment.ProcessorCount);
        var script = await WriteScriptAsync(target, requestsPerSecond / threads, cancellationToken);
        var info = new ProcessStartInfo("wrk")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])["-t", Invariant(threads), "-c", Invariant(connections), "-d", Invariant((int)Math.Ceiling(duration.TotalSeconds)) + "s",
                     "--timeout", "10s", "-s", script, target.Url])
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start wrk (apt-get install wrk).");
        using var registration = cancellationToken.Register(() => process.Kill());
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        await process.WaitForExitAsync(CancellationToken.None);
        cancellationToken.ThrowIfCancellationRequested();
        var line = (await output).Split('\n').FirstOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"wrk printed no result (exit {process.ExitCode}): {await output}{await errors}");
        return Parse(line);
    }

    /// <summary>The Lua script of one target (paced at <paramref name="perThreadRate"/> when given), for wrk to run.</summary>
    public async Task<string> WriteScriptAsync(LoadTarget target, double? perThreadRate, CancellationToken cancellationToken)
    {
        var script = Path.Combine(scriptDirectory, $"wrk-{Interlocked.Increment(ref _scripts)}.lua");
        await File.WriteAllTextAsync(script, Script(target, perThreadRate), cancellationToken);
        return script;
    }

    private static LoadResult Parse(string line)
    {
        var fields = line[Marker.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // requests, duration µs, p50 µs, p99 µs, p99.9 µs, connect, read, write, status, timeout errors
        var requests = (long)fields[0];
        var errors = (long)(fields[5] + fields[6] + fields[7] + fields[8] + fields[9]);
        return new LoadResult(requests / (fields[1] / 1e6), fields[2] / 1000, fields[3] / 1000, fields[4] / 1000, requests, errors);
    }

    private static string Script(LoadTarget target, double? perThreadRate)
    {
        var script = new StringBuilder();
        if (perThreadRate is { } rate)
        {
            script.Append(Pacing(rate));
        }

        script.AppendLine("wrk.method = \"POST\"");
        script.Append("wrk.body = ").AppendLine(LuaString(target.Body));
        script.AppendLine("wrk.headers[\"Content-Type\"] = \"application/json\"");
        foreach (var (name, value) in target.Headers)
        {
            script.Append("wrk.headers[").Append(LuaString(name)).Append("] = ").AppendLine(LuaString(value));
        }

        script.AppendLine("function done(summary, latency, requests)");
        script.Append("  io.write(string.format(\"").Append(Marker)
            .AppendLine(" %d %d %.1f %.1f %.1f %d %d %d %d %d\\n\",");
        script.AppendLine("    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency:percentile(99.9),");
        script.AppendLine("    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))");
        script.AppendLine("end");
        return script.ToString();
    }

    /// <summary>wrk has no rate option (wrk2 is not packaged): each thread keeps a schedule of one request every
    /// 1/rate seconds and <c>delay()</c>, which wrk calls before each request of each of the thread's connections, holds
    /// the request until its slot (whole milliseconds: wrk's timer resolution, so a request may go up to 1 ms early,
    /// but the schedule itself does not drift). A connection still waits for its answer before its next request, so
    /// when the server falls behind the slots pass and the achieved rate shows it; latency is timed from the actual
    /// send (no correction for coordinated omission).</summary>
    private static string Pacing(double perThreadRate) => string.Create(CultureInfo.InvariantCulture, $$"""
        local ffi = require("ffi")
        ffi.cdef[[
        typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
        int clock_gettime(int clock, bench_timespec *ts);
        ]]
        local clock = ffi.new("bench_timespec")
        local interval_ms = {{1000 / perThreadRate:R}}
        local next_slot = nil
        local function now_ms()
          ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
          return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
        end
        function delay()
          local now = now_ms()
          next_slot = (next_slot or now) + interval_ms
          local wait = next_slot - now
          if wait < 1 then return 0 end
          return wait
        end

        """);

    private static string LuaString(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
