using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Portal.Data;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Portal.Identity;

/// <summary>
/// The OpenID Connect provider the app hosts when no external one is configured (OpenIddict over the portal's
/// database, with local accounts from ASP.NET Core Identity). The portal signs in through it exactly as it would
/// through Keycloak or Entra ID.
/// </summary>
public static class EmbeddedProvider
{
    /// <summary>
    /// The issuer stored on <see cref="Members.PortalUser"/>s of local accounts. A fixed key rather than the URL,
    /// so moving the portal to another address keeps its users.
    /// </summary>
    public const string Issuer = "local";

    public const string PortalClientId = "portal";
    public const string SignInPath = "/account/signin";
    public const string ChangePasswordPath = "/account/change-password";
    private const string AuthorizePath = "connect/authorize";
    private const string EndSessionPath = "connect/endsession";

    public static void AddEmbeddedProvider(this IServiceCollection services, AuthenticationBuilder authentication,
        PortalAuthenticationOptions settings, PublicBaseUrl publicBaseUrl)
    {
        authentication.AddIdentityCookies(cookies => cookies.ApplicationCookie?.Configure(cookie =>
        {
            cookie.Cookie.Name = ".Portal.Account";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.LoginPath = SignInPath;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
        }));

        services.AddLocalAccounts();

        services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<PortalDbContext>())
            .AddServer(server =>
            {
                server.SetIssuer(publicBaseUrl.Value);
                server.SetAuthorizationEndpointUris(AuthorizePath)
                    .SetTokenEndpointUris("connect/token")
                    .SetUserInfoEndpointUris("connect/userinfo")
                    .SetEndSessionEndpointUris(EndSessionPath);
                server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                server.RegisterScopes(Scopes.Email, Scopes.Profile);
                AddKeys(server, settings);

                var aspNetCore = server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough();
                if (!publicBaseUrl.IsHttps)
                {
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            });

        services.AddHostedService<EmbeddedProviderStartup>();
    }

    /// <summary>ASP.NET Core Identity for the accounts only: it must not take over the portal's default schemes.</summary>
    public static void AddLocalAccounts(this IServiceCollection services)
    {
        services.AddIdentityCore<LocalAccount>(identity =>
            {
                identity.User.RequireUniqueEmail = true;
                identity.SignIn.RequireConfirmedAccount = false;
                // Length over composition rules (NIST SP 800-63B).
                identity.Password.RequiredLength = 12;
                identity.Password.RequireDigit = false;
                identity.Password.RequireLowercase = false;
                identity.Password.RequireUppercase = false;
                identity.Password.RequireNonAlphanumeric = false;
                identity.Lockout.AllowedForNewUsers = true;
                identity.Lockout.MaxFailedAccessAttempts = LocalAccounts.MaxFailedAttempts;
                identity.Lockout.DefaultLockoutTimeSpan = LocalAccounts.LockoutDuration;
            })
            .AddEntityFrameworkStores<PortalDbContext>()
            .AddSignInManager();
        services.AddScoped<LocalAccounts>();
    }

    public static void MapEmbeddedProvider(this WebApplication app)
    {
        app.MapMethods("/" + AuthorizePath, [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync).AllowAnonymous().DisableAntiforgery();
        app.MapMethods("/" + EndSessionPath, [HttpMethods.Get, HttpMethods.Post], (Delegate)EndSessionAsync).AllowAnonymous().DisableAntiforgery();
    }

    /// <summary>
    /// The authorization endpoint: OpenIddict has validated the client, redirect URI, scopes and PKCE; we decide
    /// who the user is (the local account's own cookie) and what goes into the tokens.
    /// </summary>
    private static async Task<IResult> AuthorizeAsync(HttpContext http, LocalAccounts accounts)
    {
        var request = http.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenID Connect request could not be read.");
        var here = http.Request.PathBase + http.Request.Path + http.Request.QueryString;

        var session = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var account = session.Succeeded ? await accounts.FindSignedInAsync(session.Principal) : null;
        if (account is null)
        {
            // Explicit redirect (not a challenge): a scheme-less challenge here would mean OpenID Connect again.
            return Results.Redirect($"{SignInPath}?returnUrl={Uri.EscapeDataString(here)}");
        }

        if (account.MustChangePassword)
        {
            return Results.Redirect($"{ChangePasswordPath}?returnUrl={Uri.EscapeDataString(here)}");
        }

        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, account.Id)
            .SetClaim(Claims.Email, account.Email)
            .SetClaim(Claims.EmailVerified, account.EmailConfirmed)
            .SetClaim(Claims.Name, account.DisplayName);
        identity.SetScopes(request.GetScopes());
        identity.SetDestinations(claim => claim.Type switch
        {
            Claims.Name when claim.Subject!.HasScope(Scopes.Profile) => [Destinations.AccessToken, Destinations.IdentityToken],
            Claims.Email or Claims.EmailVerified when claim.Subject!.HasScope(Scopes.Email) => [Destinations.AccessToken, Destinations.IdentityToken],
            _ => [Destinations.AccessToken],
        });

        return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>Ends the provider's own session, then OpenIddict returns to the client's registered sign-out URI.</summary>
    private static async Task<IResult> EndSessionAsync(HttpContext http)
    {
        await http.SignOutAsync(IdentityConstants.ApplicationScheme);
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    public static bool HasCertificates(PortalAuthenticationOptions settings) =>
        settings.SigningCertificate?.IsConfigured == true || settings.EncryptionCertificate?.IsConfigured == true;

    public static void DemandCertificatesOutsideDevelopment(PortalAuthenticationOptions settings, IHostEnvironment environment)
    {
        if (!HasCertificates(settings) && !environment.IsDevelopment() && !settings.AllowEphemeralKeys)
        {
            throw new InvalidOperationException(
                "The embedded sign-in provider needs signing and encryption certificates outside Development: set " +
                "Authentication:SigningCertificate:Path (or :Base64) and :Password, and the same for " +
                "Authentication:EncryptionCertificate. To run with throwaway keys anyway (every restart then ends " +
                "sign-ins in progress), set Authentication:AllowEphemeralKeys=true. Or point the portal at an external " +
                "provider with Authentication:Authority, ClientId and ClientSecret.");
        }
    }

    private static void AddKeys(OpenIddictServerBuilder server, PortalAuthenticationOptions settings)
    {
        if (HasCertificates(settings))
        {
            server.AddSigningCertificate(LoadCertificate(settings.SigningCertificate, "SigningCertificate"))
                .AddEncryptionCertificate(LoadCertificate(settings.EncryptionCertificate, "EncryptionCertificate"));
            return;
        }

        // Without certificates: throwaway keys. Outside Development the app then refuses to start
        // (EmbeddedProviderStartup), while `admin` commands, which need no keys, still run.
        server.AddEphemeralSigningKey().AddEphemeralEncryptionKey();
    }

    private static X509Certificate2 LoadCertificate(CertificateSettings? certificate, string name)
    {
        if (certificate?.IsConfigured != true)
        {
            throw new InvalidOperationException(
                $"Authentication:{name} is missing: configure both the signing and the encryption certificate.");
        }

        return string.IsNullOrWhiteSpace(certificate.Base64)
            ? X509CertificateLoader.LoadPkcs12FromFile(certificate.Path!, certificate.Password, X509KeyStorageFlags.EphemeralKeySet)
            : X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(certificate.Base64), certificate.Password, X509KeyStorageFlags.EphemeralKeySet);
    }
}
