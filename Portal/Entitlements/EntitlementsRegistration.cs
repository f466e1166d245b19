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
        services.AddSingleton<DecisionAnswers>();
        if (configuration.GetSection(Api.ApiOptions.Section).Get<Api.ApiOptions>()?.DecisionFastPath != false)
        {
            services.AddTransient<IStartupFilter, DecisionFastPathFirst>();
        }

        services.AddScoped<EntitlementService>();
        services.AddHostedService<CatalogSyncAtStart>();
        return services;
    }
}

/// <summary>Puts <see cref="DecisionFastPath"/> at the very front of the pipeline, before the framework's own middleware.</summary>
internal sealed class DecisionFastPathFirst : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseMiddleware<DecisionFastPath>();
        next(app);
    };
}
