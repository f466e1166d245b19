using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.Authentication;
using Portal.Organizations;

namespace Portal.ApiKeys;

public static class ApiKeysRegistration
{
    public static IServiceCollection AddPortalApiKeys(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ApiKeyOptions>(configuration.GetSection(ApiKeyOptions.Section));
        services.TryAddSingleton<Operations.ICacheInvalidationBus, Operations.InProcessCacheInvalidationBus>();
        services.AddSingleton<ApiKeyCache>();
        services.AddSingleton<IOrgChangeListener>(provider => provider.GetRequiredService<ApiKeyCache>());
        services.AddSingleton<ApiKeyLastUse>();
        services.AddSingleton<AssumeAuditThrottle>();
        services.AddScoped<ApiKeyService>();

        // Not the default scheme: only API endpoints ask for it, through their policies.
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, _ => { });
        var policies = services.AddAuthorizationBuilder()
            .AddPolicy(ApiKeyEndpoints.AuthenticatedPolicy, policy => policy
                .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser());
        foreach (var scope in ApiKeyScopes.Names)
        {
            policies.AddPolicy(ApiKeyScopes.Policy(scope), policy => policy
                .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser()
                .RequireClaim(ApiKeyClaims.Scope, scope));
        }

        return services;
    }
}
