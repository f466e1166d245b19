using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.Billing;
using Portal.Data;
using Portal.Members;
using Portal.Organizations;
using Portal.Usage;

namespace Portal.Benchmarks.Scenarios;

/// <summary>A benchmark's database: a SQLite file or a PostgreSQL database, with what it takes to connect.</summary>
public sealed record BenchDatabase(DatabaseProvider Provider, string ConnectionString)
{
    public static BenchDatabase Sqlite(string path) => new(DatabaseProvider.Sqlite, new SqliteConnectionStringBuilder { DataSource = path }.ToString());

    public PortalDbContext CreateDbContext() => Provider == DatabaseProvider.Sqlite
        ? new SqlitePortalDbContext(new DbContextOptionsBuilder<SqlitePortalDbContext>().UseSqlite(ConnectionString).Options)
        : new PostgresPortalDbContext(new DbContextOptionsBuilder<PostgresPortalDbContext>().UseNpgsql(ConnectionString).Options);
}

/// <summary>The portal's real services over one database (SQLite or PostgreSQL), signed in as the owner of a given org.</summary>
public sealed class ScenarioHost : IAsyncDisposable
{
    private readonly ServiceProvider provider;

    private ScenarioHost(ServiceProvider provider) => this.provider = provider;

    public static Task<ScenarioHost> OpenAsync(string databasePath, string ownerOrgId) => OpenAsync(BenchDatabase.Sqlite(databasePath), ownerOrgId);

    public static async Task<ScenarioHost> OpenAsync(BenchDatabase database, string ownerOrgId)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Organizations:MaxDepth"] = "10" }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHttpClient();
        services.AddMetrics();
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            services.AddDbContextFactory<SqlitePortalDbContext>(db => db.UseSqlite(database.ConnectionString));
            services.AddSingleton<IDbContextFactory<PortalDbContext>, ProviderDbContextFactory<SqlitePortalDbContext>>();
        }
        else
        {
            services.AddDbContextFactory<PostgresPortalDbContext>(db => db.UseNpgsql(database.ConnectionString));
            services.AddSingleton<IDbContextFactory<PortalDbContext>, ProviderDbContextFactory<PostgresPortalDbContext>>();
        }

        services.AddScoped<TenantDb>();
        services.AddPortalAccess();
        services.AddPortalOrganizations(configuration);
        services.AddPortalMembers(configuration);
        services.AddPortalUsage(configuration);
        services.AddPortalBilling(configuration);
        services.AddScoped<ICallerResolver, NoCaller>();
        var provider = services.BuildServiceProvider();

        await using var db = await provider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        if (!await db.Users.AnyAsync(u => u.Id == Owner))
        {
            db.Users.Add(new Members.PortalUser { Id = Owner, Issuer = "benchmark", Subject = "owner", Email = "owner@bench.test", DisplayName = "Owner" });
        }

        if (!await db.Memberships.IgnoreQueryFilters().AnyAsync(m => m.UserId == Owner && m.OrgId == ownerOrgId))
        {
            db.Memberships.Add(new Membership { UserId = Owner, OrgId = ownerOrgId, RoleId = BuiltInRoles.OwnerId });
        }

        await db.SaveChangesAsync();
        return new ScenarioHost(provider) { OrgId = ownerOrgId };
    }

    private static readonly Guid Owner = new("0b0b0b0b-0000-0000-0000-000000000001");

    public string OrgId { get; private init; } = "";

    /// <summary>A scope as a request with an API key of the owner's org would have (ingestion).</summary>
    public AsyncServiceScope ApiKeyScope()
    {
        var scope = provider.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().SetApiKey("bench-key", "benchmark key", OrgId);
        return scope;
    }

    /// <summary>A scope as a new circuit of the owner would have.</summary>
    public AsyncServiceScope Scope()
    {
        var scope = provider.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().SetUser(Owner, "Owner", OrgId);
        return scope;
    }

    public ValueTask DisposeAsync() => provider.DisposeAsync();

    private sealed class NoCaller : ICallerResolver
    {
        public Task ResolveAsync(TenantContext tenant, CancellationToken ct)
        {
            tenant.SetAnonymous();
            return Task.CompletedTask;
        }
    }
}
