using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Operations;

namespace Portal.Usage;

public static class UsageRegistration
{
    public static IServiceCollection AddPortalUsage(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<UsageOptions>(configuration.GetSection(UsageOptions.Section));
        // One instance unless AddPortalOperations chose the bus of a shared database.
        services.TryAddSingleton<ICacheInvalidationBus, InProcessCacheInvalidationBus>();
        services.TryAddSingleton<InFlightWork>();
        services.TryAddSingleton<PortalTelemetry>();
        services.AddSingleton<MonthlyUsageCounter>();
        services.AddSingleton<Entitlements.IMonthlyUsageReader>(sp => sp.GetRequiredService<MonthlyUsageCounter>());
        services.AddSingleton<Organizations.IOrgChangeListener>(sp => sp.GetRequiredService<MonthlyUsageCounter>());
        services.AddScoped<UsageIngestion>();
        services.AddScoped<UsageQueries>();
        return services;
    }
}
