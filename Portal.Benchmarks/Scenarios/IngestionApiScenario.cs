using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Portal.ApiKeys;
using Portal.Data;

namespace Portal.Benchmarks.Scenarios;

/// <summary>
/// Usage ingestion through the REST API (HTTP, authentication, JSON, validation, duplicate-safe insert, roll-up) against
/// a raw insert of the same number of rows into the same SQLite database in the same batches: rows per second and ratio.
/// </summary>
public static class IngestionApiScenario
{
    private const int Batches = 60;
    private const int BatchSize = 1_000;
    private static readonly string[] Orgs = ["Beacon Podcasts", "Cobalt Learning", "Dune Radio", "Fable Kids"];

    public static async Task RunAsync()
    {
        var databasePath = Path.Combine(Path.GetTempPath(), "portal-benchmarks", $"ingestion-api-{Guid.NewGuid():N}.db");
        await using var app = new DecisionScenario.BenchmarkHost(databasePath);
        app.Start();
        var key = await app.KeyAsync(DemoSeed.OrgId(DemoSeed.SuperOrgName), ApiKeyScopes.UsageWrite);
        using var client = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        var now = DateTime.UtcNow;

        // Warm up both paths once, then measure.
        await PostAsync(client, key, Batch("warm", 0, now));
        await RawInsertAsync(databasePath, "warm-raw", 1, now);

        var api = Stopwatch.StartNew();
        for (var b = 0; b < Batches; b++)
        {
            await PostAsync(client, key, Batch("api", b, now));
        }

        api.Stop();
        var raw = Stopwatch.StartNew();
        await RawInsertAsync(databasePath, "raw", Batches, now);
        raw.Stop();

        var rows = (double)Batches * BatchSize;
        var apiRate = rows / api.Elapsed.TotalSeconds;
        var rawRate = rows / raw.Elapsed.TotalSeconds;
        Console.WriteLine();
        Console.WriteLine($"Usage ingestion, {Batches} batches of {BatchSize:N0} events, SQLite (baseline: raw insert of the same rows)");
        Console.WriteLine($"  raw INSERT, one transaction per batch        {rawRate,10:N0} rows/s");
        Console.WriteLine($"  POST /usage/events (HTTP, validated, rolled up) {apiRate,10:N0} rows/s");
        Console.WriteLine($"  ratio API / raw: {apiRate / rawRate:0.00} (aim: 0.6 or better)");
        SqliteConnection.ClearAllPools();
        File.Delete(databasePath);
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
    }

    private static async Task RawInsertAsync(string path, string run, int batches, DateTime now)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path }.ToString());
        await connection.OpenAsync();
        for (var b = 0; b < batches; b++)
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """INSERT INTO "UsageEvents" ("OrgId", "EventId", "Activity", "Credits", "OccurredAt", "ReceivedAt") VALUES ($org, $event, $activity, $credits, $at, $at)""";
            var org = insert.Parameters.Add("$org", SqliteType.Text);
            var eventId = insert.Parameters.Add("$event", SqliteType.Text);
            var activity = insert.Parameters.Add("$activity", SqliteType.Text);
            var credits = insert.Parameters.Add("$credits", SqliteType.Integer);
            var at = insert.Parameters.Add("$at", SqliteType.Text);
            for (var i = 0; i < BatchSize; i++)
            {
                org.Value = DemoSeed.OrgId(Orgs[i % Orgs.Length]);
                eventId.Value = $"{run}-{b}-{i}";
                activity.Value = i % 3 == 0 ? "speech" : "script";
                credits.Value = 1 + (i % 5);
                at.Value = now.AddMinutes(-(i % 600)).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
                await insert.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
        }
    }
}
