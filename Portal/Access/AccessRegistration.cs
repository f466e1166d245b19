using Portal.Audit;

namespace Portal.Access;

public static class AccessRegistration
{
    public static IServiceCollection AddPortalAccess(this IServiceCollection services)
    {
        services.AddScoped<ICallerResolver, PrincipalCallerResolver>();
        services.AddScoped<TenantContext>();
        services.AddScoped<AccessService>();
        services.AddScoped<AuditWriter>();
        services.AddScoped<AuditService>();
        services.AddScoped<Components.Shared.FileDownloads>();
        services.AddScoped<ActAsService>();
        services.AddScoped<RoleService>();
        services.AddSingleton(TimeProvider.System);
        return services;
    }
}
