using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using Portal.Data;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Portal.Identity;

/// <summary>
/// Before the app serves requests: registers the portal (and any configured client) with the embedded provider,
/// and in Development gives each demo user a local account. Idempotent; runs after the database is migrated.
/// </summary>
public sealed class EmbeddedProviderStartup(
    IServiceScopeFactory scopes,
    PublicBaseUrl publicBaseUrl,
    IOptions<PortalAuthenticationOptions> settings,
    IOptions<DatabaseOptions> database,
    IHostEnvironment environment,
    ILogger<EmbeddedProviderStartup> log) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        EmbeddedProvider.DemandCertificatesOutsideDevelopment(settings.Value, environment);
        await using var scope = scopes.CreateAsyncScope();
        try
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            await RegisterAsync(applications, PortalClient(), cancellationToken);
            foreach (var client in settings.Value.Clients)
            {
                await RegisterAsync(applications, ConfiguredClient(client), cancellationToken);
            }
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            throw new InvalidOperationException(
                "Could not register the portal with its embedded sign-in provider. Is the database migrated? Run `Portal admin migrate`.", e);
        }

        if (database.Value.SeedDemoData ?? environment.IsDevelopment())
        {
            var created = await scope.ServiceProvider.GetRequiredService<LocalAccounts>()
                .EnsureDemoAccountsAsync(settings.Value.DemoAccounts, cancellationToken);
            if (created > 0)
            {
                log.LogInformation("Created {Count} demo sign-in accounts.", created);
            }
        }
    }

    /// <summary>The portal's own client: public (no secret to manage) and bound to PKCE and its own redirect URIs.</summary>
    private OpenIddictApplicationDescriptor PortalClient() =>
        Descriptor(EmbeddedProvider.PortalClientId, secret: null, "Portal",
            publicBaseUrl.Combine("signin-oidc"), publicBaseUrl.Combine("signout-callback-oidc"));

    private static OpenIddictApplicationDescriptor ConfiguredClient(RegisteredClient client)
    {
        var redirect = new Uri(client.RedirectUri!);
        var postLogout = client.PostLogoutRedirectUri is { Length: > 0 } configured
            ? new Uri(configured)
            : new Uri(redirect, "/signout-callback-oidc");
        return Descriptor(client.ClientId!, client.ClientSecret, client.DisplayName ?? client.ClientId!, redirect, postLogout);
    }

    private static OpenIddictApplicationDescriptor Descriptor(string clientId, string? secret, string displayName, Uri redirect, Uri postLogout)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = secret,
            ClientType = secret is null ? ClientTypes.Public : ClientTypes.Confidential,
            ConsentType = ConsentTypes.Implicit,
            DisplayName = displayName,
            RedirectUris = { redirect },
            PostLogoutRedirectUris = { postLogout },
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.Endpoints.EndSession,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.ResponseTypes.Code,
                Permissions.Scopes.Email,
                Permissions.Scopes.Profile,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        return descriptor;
    }

    private static async Task RegisterAsync(IOpenIddictApplicationManager applications, OpenIddictApplicationDescriptor descriptor, CancellationToken ct)
    {
        var existing = await applications.FindByClientIdAsync(descriptor.ClientId!, ct);
        if (existing is null)
        {
            await applications.CreateAsync(descriptor, ct);
        }
        else
        {
            // Overwrites every field, so a changed address or secret takes effect at the next start.
            await applications.UpdateAsync(existing, descriptor, ct);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
