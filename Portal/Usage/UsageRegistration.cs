namespace Portal.Usage;

public static class UsageRegistration
{
    public static IServiceCollection AddPortalUsage(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<UsageOptions>(configuration.GetSection(UsageOptions.Section));
        services.AddSingleton<MonthlyUsageCounter>();
        services.AddScoped<UsageIngestion>();
        services.AddScoped<UsageQueries>();
        return services;
    }
}
