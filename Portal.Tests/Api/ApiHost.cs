using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.ApiKeys;
using Portal.Data;
using Portal.Tests.TestSupport;

namespace Portal.Tests.Api;

/// <summary>
/// The real portal on Kestrel (real HTTP: headers as bytes, status codes, no redirects followed), in Development with
/// the demo data and a database of its own, and a clock the tests can move. The database is SQLite, or PostgreSQL
/// when <see cref="ProviderVariable"/> says so (./test.sh runs these tests once more that way).
/// </summary>
public sealed class ApiHost : WebApplicationFactory<Program>
{
    public const string ProviderVariable = "PORTAL_TEST_API_PROVIDER";

    private readonly TestDatabase database = new(
        Environment.GetEnvironmentVariable(ProviderVariable) == nameof(TestProvider.Postgres) ? TestProvider.Postgres : TestProvider.Sqlite);
    private readonly IReadOnlyDictionary<string, string?> settings;

    public ApiHost()
        : this(new Dictionary<string, string?>())
    {
    }

    internal ApiHost(IReadOnlyDictionary<string, string?> settings)
    {
        this.settings = settings;
        Port = FreePort();
        BaseUrl = $"http://127.0.0.1:{Port}";
        UseKestrel(Port);
        StartServer();
    }

    public int Port { get; }

    public string BaseUrl { get; }

    /// <summary>Starts at a whole millisecond: PostgreSQL keeps microseconds, so stored times compare equal on both databases.</summary>
    public FixedClock Clock { get; } = new(DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));

    public string DemoSecret => Services.GetRequiredService<IOptions<ApiKeyOptions>>().Value.DemoSecret!;

    public static string OrgId(string demoOrgName) => DemoSeed.OrgId(demoOrgName);

    public static string Acme => OrgId(DemoSeed.SuperOrgName);

    public HttpClient Client() => new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
    {
        BaseAddress = new Uri(BaseUrl),
    };

    public PortalDbContext Db() => database.CreateDbContext();

    /// <summary>A key stored straight into the database (as the portal would), for any org, even a closed one.</summary>
    public async Task<string> CreateKeyAsync(string orgId, params string[] scopes)
    {
        var secret = ApiKeySecrets.Generate();
        await AddKeyAsync(Guid.NewGuid().ToString("D"), secret, orgId, scopes);
        return secret;
    }

    /// <summary>A key with a chosen id and secret (the same key in two hosts).</summary>
    public async Task AddKeyAsync(string id, string secret, string orgId, params string[] scopes)
    {
        await using var db = Db();
        db.Set<ApiKey>().Add(ApiKey.ForSecret(id, orgId, secret, "test key " + ApiKeySecrets.PrefixOf(secret),
            scopes.Length == 0 ? [ApiKeyScopes.OrgRead] : scopes, Clock.GetUtcNow().UtcDateTime, "test"));
        await db.SaveChangesAsync();
    }

    public async Task<int> CountAsync<T>()
        where T : class
    {
        await using var db = Db();
        return await db.Set<T>().IgnoreQueryFilters().CountAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environments.Development);
        builder.UseSetting("Database:Provider", database.Provider.ToString());
        builder.UseSetting("ConnectionStrings:Portal", database.ConnectionString);
        builder.UseSetting("urls", BaseUrl);
        builder.UseSetting("Portal:PublicBaseUrl", BaseUrl);
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        database.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiHost>
{
    public const string Name = "api";
}
