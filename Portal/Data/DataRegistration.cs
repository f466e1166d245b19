using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Portal.Data;

public static class DataRegistration
{
    public static IServiceCollection AddPortalData(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var options = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        services.Configure<DatabaseOptions>(configuration.GetSection(DatabaseOptions.Section));

        var connectionString = configuration.GetConnectionString("Portal");
        switch (options.Provider)
        {
            case DatabaseProvider.Sqlite:
                connectionString ??= $"Data Source={DefaultSqlitePath(environment)}";
                EnsureSqliteFolder(connectionString);
                services.AddDbContextFactory<SqlitePortalDbContext>(db => db.UseSqlite(connectionString));
                services.AddSingleton<IDbContextFactory<PortalDbContext>, ProviderDbContextFactory<SqlitePortalDbContext>>();
                break;
            case DatabaseProvider.Postgres:
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new InvalidOperationException(
                        "Database:Provider is Postgres: set ConnectionStrings:Portal (e.g. \"Host=db;Database=portal;Username=portal;Password=...\").");
                }

                // One data source per app: the pool for EF Core and the connection the cache invalidation bus listens on.
                services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
                services.AddDbContextFactory<PostgresPortalDbContext>((sp, db) => db.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));
                services.AddSingleton<IDbContextFactory<PortalDbContext>, ProviderDbContextFactory<PostgresPortalDbContext>>();
                break;
            default:
                throw new InvalidOperationException(
                    $"Database:Provider '{options.Provider}' is not supported. Use 'Sqlite' or 'Postgres'.");
        }

        services.AddScoped<TenantDb>();
        return services;
    }

    public static string DefaultSqlitePath(IHostEnvironment environment) =>
        Path.Combine(environment.ContentRootPath, "data", "portal.db");

    private static void EnsureSqliteFolder(string connectionString)
    {
        var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString);
        var folder = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (!string.IsNullOrEmpty(folder) && builder.Mode != Microsoft.Data.Sqlite.SqliteOpenMode.Memory)
        {
            Directory.CreateDirectory(folder);
        }
    }
}

/// <summary>Lets every service ask for <see cref="PortalDbContext"/> whatever the provider.</summary>
public sealed class ProviderDbContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<PortalDbContext>
    where TContext : PortalDbContext
{
    public PortalDbContext CreateDbContext() => inner.CreateDbContext();
}
