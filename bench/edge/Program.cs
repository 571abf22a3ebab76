using System.Globalization;
using System.Runtime.InteropServices;
using Gateway.Bench.Edge;
using Gateway.Bench.Edge.Upstream;

// dotnet run -c Release --project bench/edge -- [--quick] [--duration 10s] [--concurrency 1,16,64] [--paced-rate 10000] [--upstream h2c|http1] [--soak]
//     [--soak-duration 10m] [--soak-rate 2000] [--with-analytics]
// The same program is the fake upstream when started as: upstream --http1-port N --h2c-port M
if (args.Length > 0 && args[0] == "upstream")
{
    return await FakeUpstream.RunAsync(int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[4], CultureInfo.InvariantCulture));
}

using var stop = new CancellationTokenSource();
// Ctrl-C or SIGTERM: cancel, so every process this run started is stopped by the disposals on the way out.
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
try
{
    return await EdgeBenchmark.RunAsync(BenchOptions.Parse(args), stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("interrupted; stopped everything this run started");
    return 130;
}

void Cancel(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
