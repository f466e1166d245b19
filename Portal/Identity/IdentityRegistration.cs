using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Portal.Access;
using Portal.Data;

namespace Portal.Identity;

/// <summary>
/// Sign-in. The portal is always an OpenID Connect client (cookie + authorization code with PKCE). Without
/// Authentication:Authority it signs in through the provider this app hosts itself (<see cref="EmbeddedProvider"/>).
/// </summary>
public static class IdentityRegistration
{
    public const string PortalCookieScheme = "Portal";
    public const string SignOutPath = "/account/signout";
    public const string SignInFailedPath = "/account/signin-failed";

    public static IServiceCollection AddPortalIdentity(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var settings = configuration.GetSection(PortalAuthenticationOptions.Section).Get<PortalAuthenticationOptions>() ?? new PortalAuthenticationOptions();
        settings.Validate();
        services.Configure<PortalAuthenticationOptions>(configuration.GetSection(PortalAuthenticationOptions.Section));
        var publicBaseUrl = PublicBaseUrl.From(configuration);
        services.AddSingleton(publicBaseUrl);

        // Identity, OpenIddict and Data Protection resolve a context from DI; our own services use the factory.
        services.AddScoped<PortalDbContext>(sp => sp.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext());
        services.AddDataProtection().SetApplicationName("Portal").PersistKeysToDbContext<PortalDbContext>();

        var authentication = services
            .AddAuthentication(options =>
            {
                options.DefaultScheme = PortalCookieScheme;
                options.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(PortalCookieScheme, cookie =>
            {
                cookie.Cookie.Name = ".Portal.Session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
                cookie.SlidingExpiration = true;
                cookie.AccessDeniedPath = "/not-found";
                cookie.Events.OnRedirectToAccessDenied = context => ApiPaths.IsApi(context.Request.Path)
                    ? ApiPaths.WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden)
                    : RedirectAsUsual(context);
            })
            .AddOpenIdConnect(OpenIdConnectDefaults.AuthenticationScheme, oidc => ConfigureClient(oidc, settings, publicBaseUrl, environment));

        if (!settings.UsesExternalProvider)
        {
            services.AddEmbeddedProvider(authentication, settings, publicBaseUrl);
        }

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());

        services.AddSingleton<SignInRecorder>();
        services.AddSingleton<SessionCheck>();
        services.AddScoped<AuthenticationStateProvider, MembershipRevalidatingAuthenticationStateProvider>();
        services.AddScoped<AccountService>();
        services.AddScoped<SuperOrgBootstrap>();
        return services;
    }

    public static void MapPortalIdentity(this WebApplication app)
    {
        // [FromForm] makes the endpoint validate the antiforgery token the sign-out form carries.
        app.MapPost(SignOutPath, ([FromForm] string? returnUrl) => Results.SignOut(
                new AuthenticationProperties { RedirectUri = ReturnUrls.LocalOrRoot(returnUrl) },
                [PortalCookieScheme, OpenIdConnectDefaults.AuthenticationScheme]))
            .AllowAnonymous();

        if (!app.Services.GetRequiredService<IOptions<PortalAuthenticationOptions>>().Value.UsesExternalProvider)
        {
            app.MapEmbeddedProvider();
        }
    }

    private static void ConfigureClient(OpenIdConnectOptions oidc, PortalAuthenticationOptions settings, PublicBaseUrl publicBaseUrl, IHostEnvironment environment)
    {
        var external = settings.UsesExternalProvider;
        oidc.SignInScheme = PortalCookieScheme;
        oidc.SignOutScheme = PortalCookieScheme;
        oidc.Authority = external ? settings.Authority : publicBaseUrl.ToString();
        oidc.ClientId = external ? settings.ClientId : EmbeddedProvider.PortalClientId;
        oidc.ClientSecret = external ? settings.ClientSecret : null;
        oidc.ResponseType = OpenIdConnectResponseType.Code;
        oidc.UsePkce = true;
        oidc.MapInboundClaims = false;
        oidc.Scope.Clear();
        foreach (var scope in new[] { "openid", "profile", "email" })
        {
            oidc.Scope.Add(scope);
        }

        oidc.TokenValidationParameters.NameClaimType = "name";
        oidc.TokenValidationParameters.RoleClaimType = "role";
        // The app calls itself in embedded mode; an external provider over plain http is accepted in
        // Development and on loopback only.
        oidc.RequireHttpsMetadata = external
            && !environment.IsDevelopment()
            && !new Uri(settings.Authority!).IsLoopback;

        if (!publicBaseUrl.IsHttps)
        {
            // Over http the correlation and nonce cookies cannot be SameSite=None (that needs Secure), and Lax
            // cookies do not come back on a cross-site form post: use the query response mode instead.
            oidc.ResponseMode = OpenIdConnectResponseMode.Query;
            oidc.CorrelationCookie.SameSite = SameSiteMode.Lax;
            oidc.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            oidc.NonceCookie.SameSite = SameSiteMode.Lax;
            oidc.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        }

        oidc.Events = new OpenIdConnectEvents
        {
            OnRedirectToIdentityProvider = async context =>
            {
                if (ApiPaths.IsApi(context.Request.Path))
                {
                    context.HandleResponse();
                    await ApiPaths.WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized,
                        "Sign in, or call the API with an x-api-key header.");
                    return;
                }

                context.ProtocolMessage.RedirectUri = publicBaseUrl.Combine("signin-oidc").ToString();
            },
            OnRedirectToIdentityProviderForSignOut = context =>
            {
                context.ProtocolMessage.PostLogoutRedirectUri = publicBaseUrl.Combine("signout-callback-oidc").ToString();
                return Task.CompletedTask;
            },
            OnTokenValidated = context => OnTokenValidatedAsync(context, external),
            OnRemoteFailure = context =>
            {
                context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>()
                    .CreateLogger(typeof(IdentityRegistration)).LogWarning(context.Failure, "Sign-in through the identity provider failed.");
                context.HandleResponse();
                context.Response.Redirect(SignInFailedPath);
                return Task.CompletedTask;
            },
        };
    }

    /// <summary>
    /// Replaces the provider's claims with the few the portal uses, after recording the sign-in
    /// (user upsert, invitation binding). Only the portal user id decides what the session may do.
    /// </summary>
    private static async Task OnTokenValidatedAsync(TokenValidatedContext context, bool external)
    {
        var principal = context.Principal!;
        var subject = principal.FindFirstValue("sub") ?? throw new InvalidOperationException("The ID token has no subject.");
        var issuer = external ? principal.FindFirstValue("iss") ?? context.Options.Authority! : EmbeddedProvider.Issuer;
        var email = principal.FindFirstValue("email");
        var name = principal.FindFirstValue("name") ?? principal.FindFirstValue("preferred_username");
        // Local accounts are created by admins and the seed with known emails; external ones must say so.
        var emailVerified = !external || string.Equals(principal.FindFirstValue("email_verified"), "true", StringComparison.OrdinalIgnoreCase);

        var recorder = context.HttpContext.RequestServices.GetRequiredService<SignInRecorder>();
        var userId = await recorder.RecordAsync(new ProviderIdentity(issuer, subject, email, name, emailVerified), context.HttpContext.RequestAborted);

        var claims = new List<Claim>
        {
            new(PrincipalCallerResolver.UserIdClaim, userId.ToString()),
            new("sub", subject),
            new("iss", issuer),
        };
        if (name is not null)
        {
            claims.Add(new Claim("name", name));
        }

        if (email is not null)
        {
            claims.Add(new Claim("email", email));
        }

        context.Principal = new ClaimsPrincipal(new ClaimsIdentity(claims, principal.Identity?.AuthenticationType ?? "oidc", "name", "role"));

        // External providers want the ID token back as a hint at sign-out; the embedded one does not need it
        // (and with development keys, a hint from before a restart would no longer verify).
        if (external && context.TokenEndpointResponse?.IdToken is { } idToken)
        {
            context.Properties!.StoreTokens([new AuthenticationToken { Name = "id_token", Value = idToken }]);
        }
    }

    private static Task RedirectAsUsual(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
