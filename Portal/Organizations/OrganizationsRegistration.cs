namespace Portal.Organizations;

public static class OrganizationsRegistration
{
    public static IServiceCollection AddPortalOrganizations(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<OrgHierarchyOptions>(configuration.GetSection(OrgHierarchyOptions.Section));
        services.AddScoped<OrganizationService>();
        services.AddScoped<Pages.OrgActions>();
        return services;
    }
}
