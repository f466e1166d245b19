using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Organizations;
using Portal.Usage;

namespace Portal.Benchmarks.Scenarios;

/// <summary>
/// The usage page's queries (period by activity and by child, daily credits by child, top consumers) for a super org
/// with 1,000 child orgs, over 100,000 and over 10,000,000 raw events. Both data sets cover the same orgs, activities and
/// days, so the roll-up has the same rows: the ratio shows whether cost follows raw events (it must not).
/// </summary>
public static class UsageScenario
{
    public const int Children = 1_000;
    private const int Days = 28;
    private static readonly string[] ActivityKeys = ["speech", "script", "mastering"];
    private static readonly string SuperOrgId = OrgIds.Deterministic("usage-bench:root");

    /// <summary>On SQLite; on PostgreSQL too when <see cref="BenchPostgres.Variable"/> is set (same data, same machine).</summary>
    public static async Task RunAsync()
    {
        var sqlite = await RunAsync("SQLite", BenchDatabase.Sqlite(await EnsureDatabaseAsync(100_000)), BenchDatabase.Sqlite(await EnsureDatabaseAsync(10_000_000)));
        if (BenchPostgres.Server is null)
        {
            Console.WriteLine($"  (set {BenchPostgres.Variable} to run it on PostgreSQL too)");
            return;
        }

        var postgres = await RunAsync("PostgreSQL", await EnsurePostgresDatabaseAsync(100_000), await EnsurePostgresDatabaseAsync(10_000_000));
        Measure.Report("Usage page, 10,000,000 events: PostgreSQL against SQLite", sqlite, postgres);
    }

    private static async Task<Timing> RunAsync(string database, BenchDatabase small, BenchDatabase large)
    {
        await using var smallHost = await ScenarioHost.OpenAsync(small, SuperOrgId);
        await using var largeHost = await ScenarioHost.OpenAsync(large, SuperOrgId);

        foreach (var (name, host) in new[] { ("100k", smallHost), ("10M", largeHost) })
        {
            var single = Stopwatch.StartNew();
            await UsagePageAsync(host);
            Console.WriteLine($"  {database}: first load, {name}: {single.ElapsedMilliseconds} ms");
        }

        var smallPage = await Measure.TimeAsync($"{database}: usage page queries, 100,000 events", () => UsagePageAsync(smallHost), runs: 15);
        var largePage = await Measure.TimeAsync($"{database}: usage page queries, 10,000,000 events", () => UsagePageAsync(largeHost), runs: 15);
        Measure.Report($"{database}: usage page for 1,000 child orgs (baseline: 100,000 raw events)", smallPage, largePage);
        Console.WriteLine($"  ratio 10M vs 100k events: {largePage.MedianMs / smallPage.MedianMs:0.00} (aim: 1.5 or less)");
        return largePage;
    }

    private static async Task UsagePageAsync(ScenarioHost host)
    {
        await using var scope = host.Scope();
        var usage = scope.ServiceProvider.GetRequiredService<UsageQueries>();
        var (from, to) = Period();
        await usage.GetSummaryAsync(SuperOrgId, from, to, CancellationToken.None);
        await usage.GetTopConsumersAsync(SuperOrgId, from, to, CancellationToken.None);
        await usage.GetDailyAsync(SuperOrgId, from, to, UsageGrouping.Child, CancellationToken.None);
    }

    private static (DateTime From, DateTime To) Period()
    {
        var today = DateTime.UtcNow.Date;
        return (DateTime.SpecifyKind(today.AddDays(-Days + 1), DateTimeKind.Utc), DateTime.SpecifyKind(today.AddDays(1), DateTimeKind.Utc));
    }

    private static async Task<string> EnsureDatabaseAsync(long events)
    {
        var (from, _) = Period();
        var path = Path.Combine(Path.GetTempPath(), "portal-benchmarks", $"usage-{events}-{from:yyyyMMdd}.db");
        if (File.Exists(path))
        {
            return path;
        }

        Console.WriteLine($"Generating {events:N0} usage events into {path} (once)...");
        var watch = Stopwatch.StartNew();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var building = path + ".building";
        File.Delete(building);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = building, Pooling = false }.ToString();
        await using (var db = new SqlitePortalDbContext(new DbContextOptionsBuilder<SqlitePortalDbContext>().UseSqlite(connectionString).Options))
        {
            await db.Database.MigrateAsync();
            await AddOrgsAsync(db, from);
        }

        await using (var connection = new SqliteConnection(connectionString))
        {
            await connection.OpenAsync();
            await ExecuteAsync(connection, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;");
            await ExecuteAsync(connection, "CREATE TEMP TABLE orgidx (idx INTEGER PRIMARY KEY, id TEXT NOT NULL)");
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                for (var i = 0; i < Children; i++)
                {
                    await ExecuteAsync(connection, $"INSERT INTO orgidx VALUES ({i}, '{OrgIds.Deterministic($"usage-bench:{i}")}')", transaction);
                }

                await transaction.CommitAsync();
            }

            // Load without the idempotency index, then build it once: far faster than 10M random index inserts.
            await ExecuteAsync(connection, "DROP INDEX IF EXISTS IX_UsageEvents_OrgId_EventId");
            // Event i: org i % 1000, activity (i / 1000) % 3, day (i / 3000) % 28: every (org, activity, day) is covered
            // whenever there are at least 84,000 events, so both data sets have the same roll-up rows.
            await ExecuteAsync(connection, $"""
                WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {events})
                INSERT INTO UsageEvents (OrgId, EventId, Activity, Credits, OccurredAt, ReceivedAt)
                SELECT o.id, 'e' || n.i,
                       CASE (n.i / {Children}) % 3 WHEN 0 THEN '{ActivityKeys[0]}' WHEN 1 THEN '{ActivityKeys[1]}' ELSE '{ActivityKeys[2]}' END,
                       1 + (n.i % 7),
                       strftime('%Y-%m-%d %H:%M:%S', '{from:yyyy-MM-dd}', '+' || ((n.i / {Children * 3}) % {Days}) || ' days', '+' || (n.i % 1000) || ' seconds'),
                       strftime('%Y-%m-%d %H:%M:%S', '{from:yyyy-MM-dd}', '+' || ((n.i / {Children * 3}) % {Days}) || ' days', '+' || (n.i % 1000 + 5) || ' seconds')
                FROM n JOIN orgidx o ON o.idx = n.i % {Children}
                """);
            await ExecuteAsync(connection, "CREATE UNIQUE INDEX IX_UsageEvents_OrgId_EventId ON UsageEvents (OrgId, EventId)");
            await ExecuteAsync(connection, """
                INSERT INTO UsageRollups (OrgId, Activity, Day, Credits, Events)
                SELECT OrgId, Activity, substr(OccurredAt, 1, 10) || ' 00:00:00', SUM(Credits), COUNT(*)
                FROM UsageEvents GROUP BY OrgId, Activity, substr(OccurredAt, 1, 10)
                """);
            await ExecuteAsync(connection, "ANALYZE");
        }

        SqliteConnection.ClearAllPools();
        File.Move(building, path);
        Console.WriteLine($"  done in {watch.Elapsed.TotalSeconds:0} s");
        return path;
    }

    /// <summary>The same orgs, events and roll-up as the SQLite file, generated by the server (kept for the next run).</summary>
    private static async Task<BenchDatabase> EnsurePostgresDatabaseAsync(long events)
    {
        var (from, _) = Period();
        var name = $"portal_bench_usage_{events}_{from:yyyyMMdd}";
        var database = BenchPostgres.Database(name);
        if (await BenchPostgres.ExistsAsync(name))
        {
            return database;
        }

        Console.WriteLine($"Generating {events:N0} usage events into PostgreSQL database {name} (once)...");
        var watch = Stopwatch.StartNew();
        var building = name + "_building";
        await BenchPostgres.ExecuteOnServerAsync($"DROP DATABASE IF EXISTS \"{building}\"");
        await BenchPostgres.ExecuteOnServerAsync($"CREATE DATABASE \"{building}\"");
        var target = BenchPostgres.Database(building);
        await using (var db = target.CreateDbContext())
        {
            await db.Database.MigrateAsync();
            await AddOrgsAsync(db, from);
        }

        var orgIndex = string.Join(", ", Enumerable.Range(0, Children).Select(i => $"({i}, '{OrgIds.Deterministic($"usage-bench:{i}")}')"));
        await BenchPostgres.ExecuteAsync(target, $"""
            CREATE TEMP TABLE orgidx (idx integer PRIMARY KEY, id text NOT NULL);
            INSERT INTO orgidx VALUES {orgIndex};
            DROP INDEX IF EXISTS "IX_UsageEvents_OrgId_EventId";
            INSERT INTO "UsageEvents" ("OrgId", "EventId", "Activity", "Credits", "OccurredAt", "ReceivedAt")
            SELECT o.id, 'e' || n.i,
                   (ARRAY['{ActivityKeys[0]}', '{ActivityKeys[1]}', '{ActivityKeys[2]}'])[(n.i / {Children}) % 3 + 1],
                   1 + (n.i % 7),
                   timestamptz '{from:yyyy-MM-dd} 00:00:00+00' + make_interval(days => (n.i / {Children * 3}) % {Days}, secs => (n.i % 1000)::double precision),
                   timestamptz '{from:yyyy-MM-dd} 00:00:00+00' + make_interval(days => (n.i / {Children * 3}) % {Days}, secs => (n.i % 1000 + 5)::double precision)
            FROM generate_series(0, {events - 1}) AS n(i) JOIN orgidx o ON o.idx = n.i % {Children};
            CREATE UNIQUE INDEX "IX_UsageEvents_OrgId_EventId" ON "UsageEvents" ("OrgId", "EventId");
            INSERT INTO "UsageRollups" ("OrgId", "Activity", "Day", "Credits", "Events")
            SELECT "OrgId", "Activity", date_trunc('day', "OccurredAt", 'UTC'), sum("Credits"), count(*)
            FROM "UsageEvents" GROUP BY 1, 2, 3;
            ANALYZE;
            """);
        Npgsql.NpgsqlConnection.ClearAllPools();
        await BenchPostgres.ExecuteOnServerAsync($"ALTER DATABASE \"{building}\" RENAME TO \"{name}\"");
        Console.WriteLine($"  done in {watch.Elapsed.TotalSeconds:0} s");
        return database;
    }

    private static async Task AddOrgsAsync(PortalDbContext db, DateTime from)
    {
        var root = new Organization { Id = SuperOrgId, Name = "Usage Bench Platform", CreatedAt = from.AddYears(-1) };
        db.Organizations.Add(root);
        db.OrgAncestries.Add(new OrgAncestry { AncestorId = root.Id, DescendantId = root.Id, Distance = 0 });
        for (var i = 0; i < Children; i++)
        {
            var child = new Organization { Id = OrgIds.Deterministic($"usage-bench:{i}"), Name = $"Customer {i:0000}", ParentId = root.Id, Depth = 1, CreatedAt = root.CreatedAt };
            db.Organizations.Add(child);
            db.OrgAncestries.Add(new OrgAncestry { AncestorId = child.Id, DescendantId = child.Id, Distance = 0 });
            db.OrgAncestries.Add(new OrgAncestry { AncestorId = root.Id, DescendantId = child.Id, Distance = 1 });
        }

        await db.SaveChangesAsync();
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, System.Data.Common.DbTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        command.Transaction = (SqliteTransaction?)transaction;
        await command.ExecuteNonQueryAsync();
    }
}
