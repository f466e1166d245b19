using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Portal.Entitlements;

public static class EntitlementsRegistration
{
    public static IServiceCollection AddPortalEntitlements(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<EntitlementsOptions>(configuration.GetSection(EntitlementsOptions.Section));
        // The usage feature registers its own reader; this one answers "nothing used" until then.
        services.TryAddSingleton<IMonthlyUsageReader, NoMonthlyUsageYet>();
        services.TryAddSingleton<ISpendLimitGuard, NoSpendLimits>();
        services.AddSingleton<Organizations.IOrgChangeListener, DecisionCacheOnOrgChanges>();
        services.TryAddSingleton<Operations.ICacheInvalidationBus, Operations.InProcessCacheInvalidationBus>();
        services.AddSingleton<EntitlementDecisionService>();
        services.AddSingleton<KeyLookup>();
        services.AddScoped<EntitlementService>();
        services.AddHostedService<CatalogSyncAtStart>();
        return services;
    }
}
