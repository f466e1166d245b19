using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Organizations;
using Portal.Usage;

namespace Portal.Benchmarks.Scenarios;

/// <summary>
/// Usage ingestion through the real service (validation, the provider's duplicate-safe writer, the roll-up, the monthly
/// counter): 200 batches of 1,000 new events for 100 orgs, then the same batches again (every event a duplicate), on
/// SQLite and, when <see cref="BenchPostgres.Variable"/> is set, on PostgreSQL. A fresh database each run.
/// </summary>
public static class IngestionScenario
{
    private const int Orgs = 100;
    private const int Batches = 200;
    private const int BatchSize = 1_000;
    private static readonly string RootId = OrgIds.Deterministic("ingestion-bench:root");
    private static readonly string[] ActivityKeys = ["speech", "script", "mastering", "voice"];

    public static async Task RunAsync()
    {
        var results = new List<(string Database, Timing New, Timing Duplicates, double NewPerSecond, double DuplicatesPerSecond)>();
        var path = Path.Combine(Path.GetTempPath(), "portal-benchmarks", "ingestion.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Delete(path);
        results.Add(await RunAsync("SQLite", BenchDatabase.Sqlite(path)));
        if (BenchPostgres.Server is not null)
        {
            const string name = "portal_bench_ingestion";
            await BenchPostgres.ExecuteOnServerAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            await BenchPostgres.ExecuteOnServerAsync($"CREATE DATABASE \"{name}\"");
            results.Add(await RunAsync("PostgreSQL", BenchPostgres.Database(name)));
        }
        else
        {
            Console.WriteLine($"  (set {BenchPostgres.Variable} to run it on PostgreSQL too)");
        }

        Measure.Report($"Ingestion, one batch of {BatchSize:N0} events (baseline: SQLite, new events)",
            results[0].New, results.SelectMany(r => r == results[0] ? new[] { r.Duplicates } : [r.New, r.Duplicates]).ToArray());
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {r.Database}: {r.NewPerSecond:N0} new events/s, {r.DuplicatesPerSecond:N0} duplicate events/s"));
        }
    }

    private static async Task<(string, Timing, Timing, double, double)> RunAsync(string database, BenchDatabase target)
    {
        await using (var db = target.CreateDbContext())
        {
            await db.Database.MigrateAsync();
            var created = DateTime.UtcNow.AddYears(-1);
            db.Organizations.Add(new Organization { Id = RootId, Name = "Ingestion Bench", CreatedAt = created });
            db.OrgAncestries.Add(new OrgAncestry { AncestorId = RootId, DescendantId = RootId, Distance = 0 });
            for (var i = 0; i < Orgs; i++)
            {
                var id = OrgIds.Deterministic($"ingestion-bench:{i}");
                db.Organizations.Add(new Organization { Id = id, Name = $"Customer {i:000}", ParentId = RootId, Depth = 1, CreatedAt = created });
                db.OrgAncestries.Add(new OrgAncestry { AncestorId = id, DescendantId = id, Distance = 0 });
                db.OrgAncestries.Add(new OrgAncestry { AncestorId = RootId, DescendantId = id, Distance = 1 });
            }

            await db.SaveChangesAsync();
        }

        await using var host = await ScenarioHost.OpenAsync(target, RootId);
        var now = DateTime.UtcNow;
        var random = new Random(42);
        var batches = Enumerable.Range(0, Batches).Select(b => Enumerable.Range(0, BatchSize).Select(i => new UsageEventInput(
            OrgIds.Deterministic($"ingestion-bench:{random.Next(Orgs)}"),
            ActivityKeys[random.Next(ActivityKeys.Length)],
            random.Next(1, 500),
            now.AddMinutes(-random.Next(60 * 24 * 30)),
            $"evt-{b}-{i}")).ToList()).ToList();

        var (newTiming, newRate) = await IngestAllAsync($"{database}: new events", host, batches, expectAccepted: true);
        var (duplicateTiming, duplicateRate) = await IngestAllAsync($"{database}: the same events again (duplicates)", host, batches, expectAccepted: false);
        return (database, newTiming, duplicateTiming, newRate, duplicateRate);
    }

    private static async Task<(Timing, double)> IngestAllAsync(string name, ScenarioHost host, List<List<UsageEventInput>> batches, bool expectAccepted)
    {
        var samples = new List<double>(batches.Count);
        var total = Stopwatch.StartNew();
        foreach (var batch in batches)
        {
            await using var scope = host.ApiKeyScope();
            var watch = Stopwatch.StartNew();
            var result = await scope.ServiceProvider.GetRequiredService<UsageIngestion>().IngestAsync(batch, CancellationToken.None);
            samples.Add(watch.Elapsed.TotalMilliseconds);
            if ((expectAccepted ? result.Accepted : result.Duplicates) != batch.Count)
            {
                throw new InvalidOperationException($"{name}: expected every event {(expectAccepted ? "accepted" : "a duplicate")}, got {result.Accepted} accepted, {result.Duplicates} duplicates, {result.Rejected} rejected.");
            }
        }

        var rate = batches.Sum(b => b.Count) / total.Elapsed.TotalSeconds;
        samples.Sort();
        return (new Timing(name, samples[samples.Count / 2], samples[(int)Math.Ceiling(samples.Count * 0.95) - 1]), rate);
    }
}
