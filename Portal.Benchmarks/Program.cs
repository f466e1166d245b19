using BenchmarkDotNet.Running;
using Portal.Benchmarks;
using Portal.Benchmarks.Scenarios;

// Not part of ./test.sh.
//   Micro-benchmarks (BenchmarkDotNet):  dotnet run -c Release --project Portal.Benchmarks -- --filter '*' --job short
//   Scenarios (medians and ratios):      dotnet run -c Release --project Portal.Benchmarks -- scenario tree|usage|ingestion|ingestion-api|decision
//   usage and ingestion also run on PostgreSQL when PORTAL_BENCH_POSTGRES is a connection string to a server where
//   they may create databases.
if (args is ["scenario", var name, ..])
{
    await (name switch
    {
        "tree" => TreeScenario.RunAsync(),
        "usage" => UsageScenario.RunAsync(),
        "ingestion" => IngestionScenario.RunAsync(),
        "decision" => DecisionScenario.RunAsync(),
        "ingestion-api" => IngestionApiScenario.RunAsync(),
        _ => throw new ArgumentException($"Unknown scenario '{name}'. Known: tree, usage, ingestion, ingestion-api, decision."),
    });
    return;
}

Console.WriteLine($"Org tree: {OrgTreeDatabase.Path}");
OrgTreeDatabase.EnsureCreated();
BenchmarkSwitcher.FromAssembly(typeof(DecisionBenchmarks).Assembly).Run(args);
