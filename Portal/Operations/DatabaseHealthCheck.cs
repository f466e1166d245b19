using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Portal.Data;

namespace Portal.Operations;

/// <summary>Ready means the database answers a query now. A failure is reported, never cached: the next probe asks again.</summary>
public sealed class DatabaseHealthCheck(IDbContextFactory<PortalDbContext> dbFactory, IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await db.Database.ExecuteSqlRawAsync("SELECT 1", cancellationToken);
            return HealthCheckResult.Healthy();
        }
#pragma warning disable CA1031 // Whatever the reason, the answer is "not ready".
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            // Pooled connections to a restarted server are dead: start afresh so the app recovers on its own.
            services.GetService<NpgsqlDataSource>()?.Clear();
            return HealthCheckResult.Unhealthy("The database does not answer.", e);
        }
    }
}
