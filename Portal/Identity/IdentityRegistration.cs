namespace Portal.Identity;

public static class IdentityRegistration
{
    public static IServiceCollection AddPortalIdentity(this IServiceCollection services, IHostEnvironment environment)
    {
        if (!environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                "Sign-in is not configured yet: this build only runs in Development, as the demo owner.");
        }

        services.AddAuthentication(DevelopmentStandInHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, DevelopmentStandInHandler>(
                DevelopmentStandInHandler.SchemeName, _ => { });
        services.AddAuthorization();
        return services;
    }
}
