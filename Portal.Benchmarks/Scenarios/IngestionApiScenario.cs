using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Portal.ApiKeys;
using Portal.Data;

namespace Portal.Benchmarks.Scenarios;

/// <summary>
/// Usage ingestion through the REST API (HTTP, authentication, JSON, validation, duplicate-safe insert, roll-up) against
/// a raw insert of the same number of rows into the same SQLite database in the same batches. The two alternate batch
/// by batch, so both meet the same noise and the same table size; request bodies and raw rows are built before the
/// clock starts. Reports the median batch of each as rows per second, and their ratio.
/// </summary>
public static class IngestionApiScenario
{
    private const int Batches = 200;
    private const int Warmups = 5;
    private const int BatchSize = 1_000;
    private static readonly string[] Orgs = ["Beacon Podcasts", "Cobalt Learning", "Dune Radio", "Fable Kids"];

    public static async Task RunAsync()
    {
        var databasePath = Path.Combine(Path.GetTempPath(), "portal-benchmarks", $"ingestion-api-{Guid.NewGuid():N}.db");
        await using var app = new DecisionScenario.BenchmarkHost(databasePath);
        app.Start();
        var key = await app.KeyAsync(DemoSeed.OrgId(DemoSeed.SuperOrgName), ApiKeyScopes.UsageWrite);
        var keyId = await app.KeyIdAsync(key);
        using var client = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        var now = DateTime.UtcNow;
        var bodies = Enumerable.Range(0, Warmups + Batches).Select(b => Batch("api", b, now)).ToList();
        var rawRows = Enumerable.Range(0, Warmups + Batches).Select(b => RawRows("raw", b, now)).ToList();

        // The same rows as the API stores (its key, a receive time), on a connection that checks foreign keys as the app's does.
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, ForeignKeys = true }.ToString());
        await connection.OpenAsync();
        var apiSamples = new List<double>();
        var rawSamples = new List<double>();
        for (var b = 0; b < Warmups + Batches; b++)
        {
            var watch = Stopwatch.StartNew();
            await PostAsync(client, key, bodies[b]);
            var api = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            await RawInsertAsync(connection, rawRows[b], keyId, now);
            var raw = watch.Elapsed.TotalMilliseconds;
            if (b >= Warmups)
            {
                apiSamples.Add(api);
                rawSamples.Add(raw);
            }
        }

        // Each API batch and the raw batch right after it meet the same load: the median of their ratios is the figure.
        var pairRatios = rawSamples.Zip(apiSamples, (raw, api) => raw / api).ToList();
        var pairMedian = Median(pairRatios);
        var apiMedian = Median(apiSamples);
        var rawMedian = Median(rawSamples);
        Console.WriteLine();
        Console.WriteLine($"Usage ingestion, {Batches} batches of {BatchSize:N0} events each way, alternating, SQLite (baseline: raw insert of the same rows)");
        Console.WriteLine($"  raw INSERT, one transaction per batch            median {rawMedian,6:0.00} ms/batch {BatchSize / rawMedian * 1000,10:N0} rows/s");
        Console.WriteLine($"  POST /usage/events (HTTP, validated, rolled up)  median {apiMedian,6:0.00} ms/batch {BatchSize / apiMedian * 1000,10:N0} rows/s");
        Console.WriteLine($"  ratio API / raw (rows/s): {pairMedian:0.00} median of the {Batches} side-by-side pairs (ratio of the medians: {rawMedian / apiMedian:0.00}) (aim: 0.6 or better)");
        // Early batches run the API's code before the JIT has optimized it, and later ones insert into a larger table.
        var quarters = Enumerable.Range(0, 4).Select(q => Median(pairRatios.Skip(q * Batches / 4).Take(Batches / 4)));
        Console.WriteLine($"  by quarter of the run: {string.Join(" ", quarters.Select(r => r.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))}");
        await connection.CloseAsync();
        SqliteConnection.ClearAllPools();
        File.Delete(databasePath);
    }

    private static double Median(IEnumerable<double> samples)
    {
        var sorted = samples.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static string Batch(string run, int batch, DateTime now)
    {
        var events = Enumerable.Range(0, BatchSize).Select(i => new
        {
            orgId = DemoSeed.OrgId(Orgs[i % Orgs.Length]),
            activity = i % 3 == 0 ? "speech" : "script",
            credits = 1 + (i % 5),
            occurredAt = now.AddMinutes(-(i % 600)),
            eventId = $"{run}-{batch}-{i}",
        });
        return JsonSerializer.Serialize(new { events });
    }

    private static async Task PostAsync(HttpClient client, string key, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/usage/events") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-api-key", key);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync();
    }

    private static List<(string OrgId, string EventId, string Activity, long Credits, string At)> RawRows(string run, int batch, DateTime now) =>
        Enumerable.Range(0, BatchSize).Select(i => (
            DemoSeed.OrgId(Orgs[i % Orgs.Length]),
            $"{run}-{batch}-{i}",
            i % 3 == 0 ? "speech" : "script",
            (long)(1 + (i % 5)),
            now.AddMinutes(-(i % 600)).ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture))).ToList();

    private static async Task RawInsertAsync(SqliteConnection connection, List<(string OrgId, string EventId, string Activity, long Credits, string At)> rows, string keyId, DateTime now)
    {
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """INSERT INTO "UsageEvents" ("OrgId", "EventId", "Activity", "Credits", "OccurredAt", "ReceivedAt", "ApiKeyId") VALUES ($org, $event, $activity, $credits, $at, $received, $key)""";
        var org = insert.Parameters.Add("$org", SqliteType.Text);
        var eventId = insert.Parameters.Add("$event", SqliteType.Text);
        var activity = insert.Parameters.Add("$activity", SqliteType.Text);
        var credits = insert.Parameters.Add("$credits", SqliteType.Integer);
        var at = insert.Parameters.Add("$at", SqliteType.Text);
        insert.Parameters.Add("$received", SqliteType.Text).Value = now.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture);
        insert.Parameters.Add("$key", SqliteType.Text).Value = keyId;
        foreach (var row in rows)
        {
            org.Value = row.OrgId;
            eventId.Value = row.EventId;
            activity.Value = row.Activity;
            credits.Value = row.Credits;
            at.Value = row.At;
            await insert.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }
}
