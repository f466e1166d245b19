using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Access;
using Portal.Billing;
using Portal.ApiKeys;
using Portal.Data;
using Portal.Members;
using Portal.Entitlements;
using Portal.Organizations;
using Portal.Usage;

namespace Portal.Tests.TestSupport;

/// <summary>The real feature services over a test database, for one caller.</summary>
public static class PortalServices
{
    public static IServiceCollection AddPortalForTests(this IServiceCollection services, TestDatabase database, int maxDepth = 1)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Organizations:MaxDepth"] = maxDepth.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            .Build();
        services.AddLogging();
        services.AddMetrics();
        // Real encryption with keys in memory (the app keeps its keys in the database).
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddSingleton<IDbContextFactory<PortalDbContext>>(database);
        services.AddScoped<TenantDb>();
        services.AddPortalAccess();
        services.AddSingleton<TimeProvider>(new FixedClock(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero)));
        services.AddPortalOrganizations(configuration);
        services.AddPortalMembers(configuration);
        services.AddPortalUsage(configuration);
        services.AddPortalBilling(configuration);
        services.AddScoped<Portal.Identity.AccountService>();
        services.AddPortalEntitlements(configuration);
        services.AddPortalApiKeys(configuration);
        services.AddScoped<ICallerResolver, AnonymousResolver>();
        return services;
    }

    /// <summary>A scope whose tenant context is the given user, at the given home org.</summary>
    public static AsyncServiceScope As(this ServiceProvider provider, Guid userId, string homeOrgId, string? actingOrgId = null)
    {
        var scope = provider.CreateAsyncScope();
        var tenant = scope.ServiceProvider.GetRequiredService<TenantContext>();
        tenant.SetUser(userId, "test user", homeOrgId);
        if (actingOrgId is not null)
        {
            tenant.SetActingOrg(actingOrgId);
        }

        return scope;
    }

    /// <summary>A scope whose caller is an API key of the given org.</summary>
    public static AsyncServiceScope AsApiKey(this ServiceProvider provider, string orgId, string keyId = "test-key")
    {
        var scope = provider.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().SetApiKey(keyId, "test key", orgId);
        return scope;
    }

    private sealed class AnonymousResolver : ICallerResolver
    {
        public Task ResolveAsync(TenantContext tenant, CancellationToken ct)
        {
            tenant.SetAnonymous();
            return Task.CompletedTask;
        }
    }
}
