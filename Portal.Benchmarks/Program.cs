using BenchmarkDotNet.Running;
using Portal.Benchmarks;

// Not part of ./test.sh. Run: dotnet run -c Release --project Portal.Benchmarks -- --filter '*' --job short
Console.WriteLine($"Org tree: {OrgTreeDatabase.Path}");
OrgTreeDatabase.EnsureCreated();
BenchmarkSwitcher.FromAssembly(typeof(DecisionBenchmarks).Assembly).Run(args);
