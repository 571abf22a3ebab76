using Gateway.Bench.Analytics;

// dotnet run -c Release --project bench/analytics -- ingest [--events 200000] [--batch 500] [--concurrency 4]
// dotnet run -c Release --project bench/analytics -- query [--rows 1000000] [--tenants 10] [--users 200] [--models 10] [--runs 20]
// Either mode: --database "<connection string>" uses an existing database instead of a fresh server; query --load 0
// skips loading (the database already holds the rows).
// WebApplicationFactory finds the service's content root through the manifest next to this program.
Directory.SetCurrentDirectory(AppContext.BaseDirectory);
var options = BenchOptions.Parse(args);
return options.Mode switch
{
    "ingest" => await IngestBenchmark.RunAsync(options),
    "query" => await QueryBenchmark.RunAsync(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: ingest [--events N] [--batch N] [--concurrency N] | query [--rows N] [--tenants N] [--users N] [--models N] [--runs N] [--load 0|1]; either: [--database CONNECTION]");
    return 2;
}
