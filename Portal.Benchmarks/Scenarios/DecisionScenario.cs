using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Portal.ApiKeys;
using Portal.Data;

namespace Portal.Benchmarks.Scenarios;

/// <summary>
/// The gateway's decision endpoint against a bare endpoint that returns a fixed JSON of the same size, on the same
/// Kestrel host, with the same concurrent HTTP load from this process: throughput ratio and latency percentiles.
/// </summary>
public static class DecisionScenario
{
    private const int Concurrency = 16;
    private const int Rounds = 21;
    private static readonly TimeSpan RoundDuration = TimeSpan.FromSeconds(2);

    public static async Task RunAsync()
    {
        var databasePath = Path.Combine(Path.GetTempPath(), "portal-benchmarks", $"decision-{Guid.NewGuid():N}.db");
        await using var app = new BenchmarkHost(databasePath);
        app.Start();
        var (gatewayKey, callerKey, assumed) = await app.KeysAsync();
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency }) { BaseAddress = new Uri(app.BaseUrl) };

        var decisionBody = $$"""{"apiKey":"{{callerKey}}","assumeOrg":"{{assumed}}","activity":"speech"}""";
        var sample = await SendAsync(client, gatewayKey, decisionBody, "/decision");
        BenchmarkHost.FixedResponse = sample;
        Console.WriteLine($"Decision answer ({sample.Length} bytes): {sample}");

        await LoadAsync(client, gatewayKey, decisionBody, "/bench/fixed", TimeSpan.FromSeconds(2));
        await LoadAsync(client, gatewayKey, decisionBody, "/decision", TimeSpan.FromSeconds(2));
        // Alternating rounds, so both meet the same noise; the ratio is the median of the rounds' ratios.
        var bareRounds = new List<LoadResult>();
        var decisionRounds = new List<LoadResult>();
        for (var round = 0; round < Rounds; round++)
        {
            // Each goes first in every other round: neither always inherits the other's garbage.
            if (round % 2 == 0)
            {
                bareRounds.Add(await LoadAsync(client, gatewayKey, decisionBody, "/bench/fixed", RoundDuration));
                decisionRounds.Add(await LoadAsync(client, gatewayKey, decisionBody, "/decision", RoundDuration));
            }
            else
            {
                decisionRounds.Add(await LoadAsync(client, gatewayKey, decisionBody, "/decision", RoundDuration));
                bareRounds.Add(await LoadAsync(client, gatewayKey, decisionBody, "/bench/fixed", RoundDuration));
            }
        }

        var ratios = bareRounds.Zip(decisionRounds, (b, d) => d.PerSecond / b.PerSecond).Order().ToList();
        var bare = Median(bareRounds);
        var decision = Median(decisionRounds);

        Console.WriteLine();
        Console.WriteLine($"Decision endpoint vs a bare endpoint returning the same JSON ({Concurrency} concurrent clients, {Rounds} alternating rounds of {RoundDuration.TotalSeconds:0} s, medians)");
        Console.WriteLine($"  {"case",-28} {"req/s",10} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8}");
        foreach (var (name, result) in new[] { ("bare fixed JSON (baseline)", bare), ("decision", decision) })
        {
            Console.WriteLine($"  {name,-28} {result.PerSecond,10:0} {result.P50,8:0.00} {result.P95,8:0.00} {result.P99,8:0.00}");
        }

        Console.WriteLine($"  throughput ratio decision / bare: {ratios[ratios.Count / 2]:0.00} median of rounds (each round: {string.Join(" ", ratios.Select(r => r.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))}; ratio of the median rates: {decision.PerSecond / bare.PerSecond:0.00}) (aim: 0.9 or better)");
        SqliteConnection.ClearAllPools();
        File.Delete(databasePath);
    }

    private static async Task<string> SendAsync(HttpClient client, string gatewayKey, string body, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-api-key", gatewayKey);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<LoadResult> LoadAsync(HttpClient client, string gatewayKey, string body, string path, TimeSpan duration)
    {
        var latencies = new List<double>[Concurrency];
        var deadline = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async worker =>
        {
            var own = latencies[worker] = new List<double>(100_000);
            while (deadline.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                await SendAsync(client, gatewayKey, body, path);
                own.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        var all = latencies.SelectMany(l => l).Order().ToList();
        double At(double q) => all[Math.Min(all.Count - 1, (int)(all.Count * q))];
        return new LoadResult(all.Count / deadline.Elapsed.TotalSeconds, At(0.50), At(0.95), At(0.99));
    }

    private sealed record LoadResult(double PerSecond, double P50, double P95, double P99);

    /// <summary>Each figure's median over the rounds.</summary>
    private static LoadResult Median(List<LoadResult> rounds)
    {
        double Of(Func<LoadResult, double> figure) => rounds.Select(figure).Order().ElementAt(rounds.Count / 2);
        return new LoadResult(Of(r => r.PerSecond), Of(r => r.P50), Of(r => r.P95), Of(r => r.P99));
    }

    internal sealed class BenchmarkHost(string databasePath) : WebApplicationFactory<Portal.Organizations.OrganizationService>
    {
        public static string FixedResponse { get; set; } = "{}";

        public string BaseUrl { get; } = $"http://localhost:{FreePort()}";

        public void Start()
        {
            UseKestrel(new Uri(BaseUrl).Port);
            StartServer();
        }

        public string DatabasePath => databasePath;

        public async Task<string> KeyAsync(string orgId, params string[] scopes)
        {
            await using var db = await Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
            return await AddKeyAsync(db, orgId, scopes);
        }

        public async Task<string> KeyIdAsync(string secret)
        {
            await using var db = await Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
            var hash = ApiKeySecrets.Hash(secret);
            return await db.Set<ApiKey>().Where(k => k.SecretHash == hash).Select(k => k.Id).SingleAsync();
        }

        public async Task<(string Gateway, string Caller, string Assumed)> KeysAsync()
        {
            await using var db = await Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
            var acme = DemoSeed.OrgId(DemoSeed.SuperOrgName);
            var gateway = await AddKeyAsync(db, acme, ApiKeyScopes.Decision);
            var caller = await AddKeyAsync(db, acme, ApiKeyScopes.OrgRead, ApiKeyScopes.ActAs);
            return (gateway, caller, DemoSeed.OrgId("Beacon Podcasts"));
        }

        private static async Task<string> AddKeyAsync(PortalDbContext db, string orgId, params string[] scopes)
        {
            var secret = ApiKeySecrets.Generate();
            db.Set<ApiKey>().Add(ApiKey.ForSecret(Guid.NewGuid().ToString("D"), orgId, secret, "benchmark " + ApiKeySecrets.PrefixOf(secret), scopes, DateTime.UtcNow, "benchmark"));
            await db.SaveChangesAsync();
            return secret;
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(databasePath)!);
            builder.UseEnvironment(Environments.Development);
            builder.UseSetting("ConnectionStrings:Portal", new SqliteConnectionStringBuilder { DataSource = databasePath }.ToString());
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            // One key sends far more than a customer's 600 a minute here: the scenarios measure throughput, not the limiter.
            builder.UseSetting("Api:RateLimitPerMinute", "10000000");
            builder.UseSetting("Portal:PublicBaseUrl", BaseUrl);
            builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, FixedEndpoint>());
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        /// <summary>The baseline: the same host answering a fixed JSON of the decision's size before any of the portal's middleware.</summary>
        private sealed class FixedEndpoint : IStartupFilter
        {
            public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
            {
                app.Use(async (context, nextMiddleware) =>
                {
                    if (context.Request.Path == "/bench/fixed")
                    {
                        context.Response.ContentType = "application/json";
                        await context.Response.WriteAsync(FixedResponse);
                        return;
                    }

                    await nextMiddleware(context);
                });
                next(app);
            };
        }
    }
}
