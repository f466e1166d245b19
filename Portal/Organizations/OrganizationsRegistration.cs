using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Operations;

namespace Portal.Organizations;

public static class OrganizationsRegistration
{
    public static IServiceCollection AddPortalOrganizations(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<OrgHierarchyOptions>(configuration.GetSection(OrgHierarchyOptions.Section));
        services.TryAddSingleton<ICacheInvalidationBus, InProcessCacheInvalidationBus>();
        services.AddSingleton<OrgChanges>();
        services.AddHostedService(sp => sp.GetRequiredService<OrgChanges>());
        services.AddSingleton<OrgChainCache>();
        services.AddSingleton<IOrgChangeListener>(sp => sp.GetRequiredService<OrgChainCache>());
        services.AddScoped<OrganizationService>();
        services.AddScoped<Pages.OrgActions>();
        return services;
    }
}
