using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Portal.Data;

public static class DatabaseStartup
{
    /// <summary>Development: migrate and seed at start. Production: neither, unless configured (run `admin migrate`).</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var isDevelopment = app.Environment.IsDevelopment();
        if (!(options.MigrateOnStart ?? isDevelopment))
        {
            return;
        }

        await MigrateAsync(app.Services, CancellationToken.None);
        if (options.SeedDemoData ?? isDevelopment)
        {
            await using var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
            await DemoSeed.SeedAsync(db, app.Services.GetRequiredService<TimeProvider>(), CancellationToken.None);
            await ApiKeys.DemoApiKey.SeedAsync(app, db, CancellationToken.None);
        }
    }

    public static async Task MigrateAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync(ct);
        await db.Database.MigrateAsync(ct);
    }
}
