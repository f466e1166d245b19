using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Access;
using Portal.Data;
using Portal.E2E.Pages;
using Portal.E2E.Support;
using Portal.Members;

namespace Portal.E2E;

/// <summary>
/// External mode end to end: a second copy of the app, with its own database, plays the external OpenID Connect
/// provider (as Keycloak would); the portal under test knows it only from the Authentication settings.
/// </summary>
public sealed class ExternalProviderFixture : IAsyncLifetime
{
    public const string ClientId = "portal-under-test";
    public const string ClientSecret = "a-client-secret-for-the-external-mode-test";

    private IPlaywright? playwright;

    public ExternalProviderFixture()
    {
        Portal.Settings["Authentication:Authority"] = Provider.BaseUrl;
        Portal.Settings["Authentication:ClientId"] = ClientId;
        Portal.Settings["Authentication:ClientSecret"] = ClientSecret;

        Provider.Settings["Authentication:Clients:0:ClientId"] = ClientId;
        Provider.Settings["Authentication:Clients:0:ClientSecret"] = ClientSecret;
        Provider.Settings["Authentication:Clients:0:RedirectUri"] = Portal.BaseUrl + "/signin-oidc";
    }

    public PortalApp Provider { get; } = new();

    public PortalApp Portal { get; } = new();

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Provider.Start();
        Portal.Start();
        (playwright, Browser) = await BrowserFixture.LaunchChromiumAsync();
    }

    public async Task DisposeAsync()
    {
        await Browser.CloseAsync();
        playwright?.Dispose();
        await Portal.DisposeAsync();
        await Provider.DisposeAsync();
    }
}

public sealed class ExternalProviderTests(ExternalProviderFixture apps) : IClassFixture<ExternalProviderFixture>
{
    [Fact]
    public async Task Sign_in_goes_through_the_configured_provider_and_binds_the_invitation_for_the_verified_email()
    {
        await InviteAsync("ada@acme.test", DemoSeed.SuperOrgName, BuiltInRoles.AdminId);
        var context = await apps.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = apps.Portal.BaseUrl });
        var portal = new PortalPage(await context.NewPageAsync());

        await portal.Page.GotoAsync("/");

        Assert.StartsWith(apps.Provider.BaseUrl + "/account/signin", portal.Page.Url, StringComparison.Ordinal);
        await new SignInPage(portal.Page).SignInAsync("ada@acme.test", "portal-demo-password");
        await portal.WaitUntilInteractiveAsync();
        Assert.StartsWith(apps.Portal.BaseUrl + "/", portal.Page.Url, StringComparison.Ordinal);
        var home = new HomePage(portal);
        await Assertions.Expect(home.SignedInUser).ToHaveTextAsync("Ada Lovelace");
        await Assertions.Expect(home.OrgName).ToHaveTextAsync(DemoSeed.SuperOrgName);

        await using var db = await apps.Portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var user = await db.Users.SingleAsync(u => u.Email == "ada@acme.test" && u.Issuer != DemoSeed.Issuer);
        Assert.Equal(apps.Provider.BaseUrl + "/", user.Issuer);
        Assert.True(await db.Memberships.AnyAsync(m => m.UserId == user.Id && m.RoleId == BuiltInRoles.AdminId));
        await context.CloseAsync();
    }

    [Fact]
    public async Task The_portal_under_test_hosts_no_sign_in_page_of_its_own()
    {
        using var http = new HttpClient { BaseAddress = new Uri(apps.Portal.BaseUrl) };

        using var response = await http.GetAsync(new Uri("/account/signin", UriKind.Relative));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task InviteAsync(string email, string orgName, string roleId)
    {
        await using var db = await apps.Portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        db.Invitations.Add(new Invitation
        {
            OrgId = DemoSeed.OrgId(orgName),
            Email = email,
            RoleId = roleId,
            TokenHash = Guid.NewGuid().ToString("N"),
            CreatedAt = DateTime.UtcNow,
            ExpiresAt = DateTime.UtcNow.AddDays(7),
        });
        await db.SaveChangesAsync();
    }
}
