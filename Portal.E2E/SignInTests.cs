using System.Net;
using System.Text.Json;
using Deque.AxeCore.Playwright;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Data;
using Portal.E2E.Pages;
using Portal.E2E.Support;
using BootstrapResult = Portal.Identity.BootstrapResult;
using SuperOrgBootstrap = Portal.Identity.SuperOrgBootstrap;

namespace Portal.E2E;

[Collection(PortalCollection.Name)]
public sealed class SignInTests(BrowserFixture browser)
{
    private const string SessionCookie = ".Portal.Session";

    [Fact]
    public async Task The_demo_super_org_owner_signs_in_sees_their_name_on_the_home_page_and_signs_out()
    {
        var portal = await browser.NewPageAsync();
        var signIn = new SignInPage(portal.Page);

        await portal.Page.GotoAsync("/");
        await Assertions.Expect(signIn.Heading).ToBeVisibleAsync();
        var axe = await portal.Page.RunAxe();
        Assert.DoesNotContain(axe.Violations, v => v.Impact is "serious" or "critical");

        await signIn.SignInAsync(DemoSignIn.Owner, browser.SignIn.Password);
        await portal.WaitUntilInteractiveAsync();
        var home = new HomePage(portal);
        await Assertions.Expect(home.SignedInUser).ToHaveTextAsync("Ada Lovelace");
        await Assertions.Expect(home.OrgName).ToHaveTextAsync("Acme Audio Platform");
        Assert.Contains(await portal.Page.Context.CookiesAsync(), c => c.Name == SessionCookie && c.HttpOnly && c.SameSite == SameSiteAttribute.Lax);

        await new UserMenu(portal).SignOutAsync();

        await Assertions.Expect(signIn.Heading).ToBeVisibleAsync();
        Assert.DoesNotContain(await portal.Page.Context.CookiesAsync(), c => c.Name == SessionCookie);
        await portal.Page.GotoAsync("/");
        await Assertions.Expect(signIn.Heading).ToBeVisibleAsync();
        Assert.Empty(portal.ConsoleErrors);
        await portal.CloseAsync();
    }

    [Fact]
    public async Task A_wrong_password_shows_an_error_and_creates_no_session()
    {
        var portal = await browser.NewPageAsync();
        var signIn = new SignInPage(portal.Page);
        await portal.Page.GotoAsync("/");

        await signIn.SignInAsync("eve@acme.test", "not-the-password");

        await Assertions.Expect(signIn.Error).ToContainTextAsync("email or password is not correct");
        await Assertions.Expect(signIn.Heading).ToBeVisibleAsync();
        var cookies = await portal.Page.Context.CookiesAsync();
        Assert.DoesNotContain(cookies, c => c.Name is SessionCookie or ".Portal.Account");
        await portal.Page.GotoAsync("/");
        await Assertions.Expect(signIn.Heading).ToBeVisibleAsync();
        await portal.CloseAsync();
    }

    [Fact]
    public async Task An_unknown_email_gets_the_same_error_as_a_wrong_password()
    {
        var portal = await browser.NewPageAsync();
        var signIn = new SignInPage(portal.Page);
        await portal.Page.GotoAsync("/");
        await signIn.SignInAsync("eve@acme.test", "not-the-password");
        var wrongPassword = await signIn.Error.InnerTextAsync();

        await signIn.SignInAsync("nobody@acme.test", "not-the-password");

        await Assertions.Expect(signIn.Error).ToHaveTextAsync(wrongPassword);
        await portal.CloseAsync();
    }

    [Fact]
    public async Task A_protected_page_without_a_session_leads_to_the_sign_in_page_and_back_after_it()
    {
        var portal = await browser.NewPageAsync();

        await browser.SignIn.SignInThroughFormAsync(portal, "ben@acme.test", startPath: "/account?tab=orgs");

        Assert.EndsWith("/account?tab=orgs", portal.Page.Url, StringComparison.Ordinal);
        await Assertions.Expect(portal.Page.GetByRole(AriaRole.Heading, new() { Name = "My account" })).ToBeVisibleAsync();
        await Assertions.Expect(portal.Page.GetByTestId("account-email")).ToHaveTextAsync("ben@acme.test");
        await Assertions.Expect(portal.Page.GetByTestId("my-memberships")).ToContainTextAsync("Acme Audio Platform");
        await Assertions.Expect(portal.Page.GetByTestId("my-memberships")).ToContainTextAsync("Admin");
        await portal.CloseAsync();
    }

    [Fact]
    public async Task A_bootstrapped_owner_signs_in_with_the_one_time_password_and_must_choose_a_new_one_first()
    {
        BootstrapResult created;
        await using (var scope = browser.App.Services.CreateAsyncScope())
        {
            created = await scope.ServiceProvider.GetRequiredService<SuperOrgBootstrap>()
                .RunAsync("Nova Sound", "nora@nova.test", "Nora Owner", CancellationToken.None);
        }

        var portal = await browser.NewPageAsync();
        await portal.Page.GotoAsync("/");
        await new SignInPage(portal.Page).SignInAsync("nora@nova.test", created.OneTimePassword!);

        await Assertions.Expect(portal.Page.GetByRole(AriaRole.Heading, new() { Name = "Choose a new password" })).ToBeVisibleAsync();
        await portal.Page.GetByLabel("Current (one-time) password").FillAsync(created.OneTimePassword!);
        await portal.Page.GetByLabel("New password", new() { Exact = true }).FillAsync("nora-chose-this-password");
        await portal.Page.GetByLabel("Repeat the new password").FillAsync("nora-chose-this-password");
        await portal.Page.GetByRole(AriaRole.Button, new() { Name = "Save and continue" }).ClickAsync();

        await portal.WaitUntilInteractiveAsync();
        var home = new HomePage(portal);
        await Assertions.Expect(home.OrgName).ToHaveTextAsync("Nova Sound");
        await Assertions.Expect(home.SignedInUser).ToHaveTextAsync("Nora Owner");
        await portal.CloseAsync();
    }

    [Fact]
    public async Task A_member_removed_from_their_last_org_loses_the_open_page_without_reloading()
    {
        var portal = await browser.SignIn.NewPageAsAsync("olga@cobalt.test");
        var home = new HomePage(portal);
        await home.OpenAsync();
        await Assertions.Expect(home.OrgName).ToHaveTextAsync("Cobalt Learning");

        await using (var db = await browser.App.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var olga = DemoSeed.UserByEmail("olga@cobalt.test").Id;
            await db.Memberships.Where(m => m.UserId == olga).ExecuteDeleteAsync();
        }

        await Assertions.Expect(portal.Page.GetByRole(AriaRole.Heading, new() { Name = "Your access has ended" })).ToBeVisibleAsync();
        await Assertions.Expect(home.OrgName).ToHaveCountAsync(0);
        await portal.CloseAsync();
    }

    [Theory]
    [InlineData("/api/orgs")]
    [InlineData("/org/anything")]
    [InlineData("/secrets")]
    public async Task API_paths_without_credentials_answer_401_with_a_problem_body_instead_of_redirecting(string path)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(browser.App.BaseUrl) };

        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(401, problem.RootElement.GetProperty("status").GetInt32());
    }
}
