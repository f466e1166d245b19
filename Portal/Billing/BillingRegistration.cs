using Microsoft.Extensions.DependencyInjection.Extensions;
namespace Portal.Billing;

public static class BillingRegistration
{
    public static IServiceCollection AddPortalBilling(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<BillingOptions>(configuration.GetSection(BillingOptions.Section));
        services.TryAddSingleton<Operations.ICacheInvalidationBus, Operations.InProcessCacheInvalidationBus>();
        services.AddSingleton<SpendLimitCache>();
        services.AddSingleton<WebhookSigning>();
        services.AddSingleton<SpendAlertMonitor>();
        services.AddSingleton<Entitlements.ISpendLimitGuard, SpendLimitGuard>();
        services.AddHttpClient(SpendAlertMonitor.WebhookClient, client => client.Timeout = TimeSpan.FromSeconds(5));
        services.AddScoped<BillingService>();
        return services;
    }
}
